/**
 * The metadata the transform hands the runtime for each module version.
 * It is embedded in the transformed code as JSON and also returned to callers
 * of `transform()` as `bindings`.
 */

/** How a top-level binding behaves across reloads. */
export type BindingKind =
  /** A function the module defines: one stand-in for life, calls run the latest code. */
  | 'function'
  /** A class the module defines: one stable class (the shell), latest methods for every instance. */
  | 'class'
  /** Anything else with an initializer: kept or replaced under the data rules. */
  | 'data';

/** The kind of function a stand-in is born as (it keeps this kind for life). */
export type FunctionShape = 'plain' | 'arrow' | 'async' | 'generator' | 'async-generator';

/** A data-rule override written as a comment (`@hot keep-data`, `@hot replace-data`). */
export type DataPragma = 'keep' | 'replace';

/** A statement-rule override written as a comment (`@hot rerun`, `@hot once`). */
export type StatementPragma = 'rerun' | 'once';

/**
 * A top-level statement that is not a declaration (`app.listen(3000)`, `setInterval(…)`,
 * an `if` or `for` block). On reload it runs again only when its text is new to the
 * module (matched by content, not position) or it reads a data binding this reload replaced.
 */
export interface StatementInfo {
  /** Hash of the statement's source text, inline functions left out: how versions are matched. */
  fingerprint: string;
  /** Top-level names of this module the statement reads. */
  reads: string[];
  /** 1-based line of the statement in the original source. */
  line: number;
  pragma?: StatementPragma;
}

/**
 * A function written inline in a top-level statement or data initializer (an arrow or
 * function passed to `router.get(…)`, `wss.on(…)`, `setInterval(…)`, a method of an object
 * literal) that captures nothing but module bindings and globals. It is created at the top
 * level of the module and given a stand-in, like a named function: its owner is matched
 * across versions by its text with such functions left out (its skeleton), and when only
 * their code changed the owner is kept and each implementation is swapped behind its stand-in.
 */
export interface InlineInfo {
  /** The owner: a statement (`s`, index in `statements`) or a data binding (`d`, index in `bindings`). */
  owner: 's' | 'd';
  index: number;
  /** Its position among the inline functions of its owner, in source order. */
  ordinal: number;
  /** The name the language would give it (`{ move() {} }` → `move`), or ''. */
  name: string;
  shape: FunctionShape;
  /** An object-literal method: no constructor, `this` is the object. */
  method?: boolean;
  /** Hash of its source text. */
  fingerprint: string;
  /** Hash of the functions written inside it: they keep the code they were created with. */
  nested?: string;
  /** 1-based line of the function in the original source. */
  line: number;
}

/**
 * A function written inside a top-level function (a named one or an inline one) and passed to
 * a call there (`fastify.get('/', async () => …)` in a plugin, `socket.on('message', …)` in a
 * connection handler) that closes over nothing but parameters and constants of that function
 * declared before it. Each closure made from it forwards to the newest code, made with the
 * values it closed over, so closures created before a reload run the new code too.
 */
export interface NestedInfo {
  /** The enclosing top-level function: a binding (`b`, index in `bindings`) or an inline function (`i`, index in `inline`). */
  owner: 'b' | 'i';
  index: number;
  /** Its place in the enclosing function: statement skeleton, occurrence, position, captured names. */
  local: string;
  fingerprint: string;
  line: number;
}

/** One static field of a class that follows the data rules. */
export interface StaticFieldInfo {
  name: string;
  fingerprint: string;
  pragma?: DataPragma;
}

/** Why a class keeps native `#private` members: the member, its line, and the reason. */
export interface PrivateNativeInfo {
  member: string;
  line: number;
  reason: string;
}

/** One top-level binding of a module, in source order; its index is its cell number. */
export interface BindingInfo {
  /** The binding's name in the source (`default` for an anonymous default export). */
  name: string;
  kind: BindingKind;
  /** The declaration it came from. */
  declaration: 'function' | 'class' | 'const' | 'let' | 'var' | 'default';
  /** Names this module exports the binding as. */
  exported: string[];
  /** 1-based line and 0-based column of the binding's name in the original source. */
  line: number;
  column: number;
  /** For functions: the kind the stand-in is born with. */
  shape?: FunctionShape;
  /** Data: a hash of the initializer's source text (the changed-initializer rule); functions and classes: of their source, for the report. */
  fingerprint?: string;
  /** For data: top-level names of this module that the initializer reads. */
  reads?: string[];
  /** For data: the initializer is a call (`express()`, `wrap(fn)`): a function it returns gets a forwarding stand-in. */
  callInit?: boolean;
  /** For data: the initializer calls, constructs, awaits or imports (what it sets up is watched and released with it). */
  effects?: boolean;
  /** A top-level `let`/`var`: every version imports it from one shared binding module (`?hot-binding=name`). */
  shared?: boolean;
  /** Bindings declared by one destructuring pattern share a group number (one initializer, one decision). */
  group?: number;
  pragma?: DataPragma;
  /** For classes: static fields that follow the data rules. */
  statics?: StaticFieldInfo[];
  /** For functions: hash of the functions written inside it (they keep the code they were created with). */
  nested?: string;
  /** For classes: static `#private` fields, kept by the data rules like public ones (names with `#`). */
  privateStatics?: StaticFieldInfo[];
  /** For classes: the class keeps native `#private` members, and a reload that touches it fails. */
  privateNative?: PrivateNativeInfo;
  /** Injected by a compiler that ran before us (tsx's `__name`): a cell like any other, left out of reports. */
  generated?: boolean;
}

/** A static import, kept so a link error can be reported at its original position. */
export interface ImportInfo {
  specifier: string;
  names: string[];
  line: number;
  column: number;
}

/** Everything the runtime learns about one module version. */
export interface ModuleMeta {
  /** Hash of the module's file contents (change detection by `reload()`). */
  hash: string;
  /** Length of the source text, for the memory estimate of old versions. */
  size: number;
  /** Module-wide data-rule default from a file-top pragma. */
  pragma?: DataPragma;
  /** The project's data default from config (absent: the changed-initializer rule). */
  project?: DataPragma;
  /** Module-wide statement default from a file-top `@hot rerun` / `@hot once`. */
  statementPragma?: StatementPragma;
  /** The module awaits at its top level: a batch evaluating it yields to the event loop there. */
  topLevelAwait?: boolean;
  bindings: BindingInfo[];
  /** Top-level statements that are not declarations, in source order (`__hot.r(i)`). */
  statements: StatementInfo[];
  /** Inline functions of statements and data initializers (`__hot.is(i)`, `__hot.il(i)`). */
  inline?: InlineInfo[];
  /** Functions nested in top-level functions that closures made before a reload forward to (`__hot.ns(i)`, `__hot.nl(i)`). */
  nested?: NestedInfo[];
  /** Class members whose version check forwards a stale copy's calls (`__hot.q(i, …)`). */
  members?: MemberRef[];
  imports: ImportInfo[];
}

/** A class member a version check names: its class's binding index, its name and flags (STATIC 1, GETTER 2, SETTER 4). */
export type MemberRef = [binding: number, name: string, flags: number];

/** Options of {@link transform}. */
export interface TransformOptions {
  /** Parse as TypeScript. Defaults to true for `.ts`, `.mts`, `.cts`, `.tsx` URLs. */
  typescript?: boolean;
  /**
   * Hash of the file as it is on disk, when `source` is not the file's own text
   * (another loader such as tsx compiled it first). Defaults to the hash of `source`.
   */
  sourceHash?: string;
  /** The project's data default (config `data`), applied where no pragma says otherwise. */
  data?: DataPragma;
  /**
   * A version a reload loads: its top-level `let`/`var` that code assigns are imported from
   * their shared binding modules (`file?hot-binding=name`). Default false (a first load).
   */
  sharedBindings?: boolean;
  /**
   * Base classes in the initialiser form where they can take it (default true): their shell
   * allocates, so V8 removes allocations that do not escape. The loader turns it off on V8
   * before 13 (Node 20, 22), which stops re-optimising a `new` after about ten reloads of its class.
   */
  classInit?: boolean;
  /** Append the source map as an inline `//# sourceMappingURL=` comment. Default true. */
  inlineSourceMap?: boolean;
}

/** A standard source map (version 3). */
export interface SourceMapObject {
  version: number;
  file?: string;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
}

/** The result of {@link transform}. */
export interface TransformResult {
  code: string;
  map: SourceMapObject;
  bindings: BindingInfo[];
  meta: ModuleMeta;
}
