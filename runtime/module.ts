/**
 * The runtime's records of hot modules and their evaluated versions.
 */
import type { ModuleMeta } from '../transform/types.js';
import type { Cell, InlineSlot } from './cell.js';
import type { Listen, Resources } from './resources.js';

/** `(index, value) => void`: assigns a module version's local binding number `index`. */
export type BindingSetter = (index: number, value: unknown) => void;

/** A handler and the top-level statement whose evaluation registered it (none: registered later). */
export interface Registered<T> {
  callback: T;
  statement: string | undefined;
}

/** One evaluation of a module: the first load (version 1) or a reload (`?hot=N`). */
export class ModuleVersion {
  readonly version: number;
  readonly meta: ModuleMeta;
  /** Assigns this version's own local bindings; how every version sees one value. */
  readonly setter: BindingSetter | null;
  /** Binding name to its index in this version's metadata. */
  readonly indexOf: Map<string, number>;
  /**
   * `import.meta.hot.dispose` handlers, each with the statement that registered it: run when
   * a later version commits, unless that statement was kept unchanged (then they move on to
   * the later version, since what the statement set up is still there).
   */
  readonly disposers: Registered<(data: Record<string, unknown>) => void>[] = [];
  /** `import.meta.hot.accept(cb)` handlers: run with the new namespace when a later version commits (and move on with a kept statement). */
  readonly acceptors: Registered<(namespace: unknown) => void>[] = [];
  /** `import.meta.hot.migrate` handlers of this version, by binding name. */
  readonly migrations = new Map<string, (value: unknown, info: { from: number; to: number }) => unknown>();
  /** `import.meta.hot.decline()` was called: reloading this module fails. */
  declined = false;
  /**
   * `{ s }`: `s` turns true when this version stops being live. Each token has a
   * hidden class of its own and `s` is written once at creation, so V8 treats it
   * as a constant in this version's methods until the version goes stale.
   */
  readonly token: { s: boolean } = new (class VersionToken {
    s = false;
  })();
  /** The version's module namespace, once a batch evaluated it (the first load's is the importer's). */
  namespace: unknown = undefined;

  // What happened while this version evaluated (for the report).
  readonly kept = new Set<string>();
  readonly replaced = new Set<string>();
  readonly added = new Set<string>();
  readonly warnings: string[] = [];
  /** Data bindings this evaluation replaced: initializers that read them are replaced too. */
  readonly replacedData = new Set<string>();
  /**
   * Values that bindings had before this version changed them (replaced data, writes while it
   * evaluated, migrations): handlers of older versions run at commit with these in their scope.
   */
  readonly valuesBefore = new Map<string, unknown>();
  /** Lines of the top-level statements that ran again in this reload. */
  readonly reran: number[] = [];
  /** Lines of inline functions given new code behind their stand-ins in this reload. */
  readonly swapped: number[] = [];
  /** For a swapped inline function of a statement: the statement's index (its line leaves the report if it ran again). */
  readonly swappedIn = new Map<number, number>();
  /** This version's inline function slots, by index in `meta.inline`. */
  readonly inlineSlots: InlineSlot[] = [];
  /** This version's nested function slots, by index in `meta.nested`. */
  readonly nestedSlots: InlineSlot[] = [];
  /** Keys (`fingerprint#occurrence`) of this version's statements, by index, computed when asked. */
  statementKeyList?: string[];
  /** The same keys as a set, computed when a later version asks. */
  statementKeys?: Set<string>;
  /** Statements of the previous version found unchanged and not run again: what they set up stays. */
  readonly keptStatements = new Set<string>();
  /**
   * What each statement or initializer that ran in this version set up (timers, listeners,
   * servers), by owner (statement key or `=name`): the module's at commit, released if the batch fails.
   */
  readonly runs = new Map<string, Resources>();
  /** Listens this version started during a reload: the batch waits for them. */
  readonly listens: Listen[] = [];
  /** The statement being evaluated, if any: handlers registered now belong to it. */
  activeStatement: string | undefined = undefined;
  /** Keep/replace decision per binding index (destructuring groups decide once). */
  readonly decisions = new Map<number, boolean>();
  /** Static field decisions, per class binding index, per static slot. */
  readonly staticDecisions = new Map<number, boolean[]>();

  constructor(version: number, meta: ModuleMeta, setter: BindingSetter | null) {
    this.version = version;
    this.meta = meta;
    this.setter = setter;
    this.indexOf = new Map(meta.bindings.map((binding, index) => [binding.name, index]));
  }
}

/** A hot module: its cells and every version Node has evaluated. */
export class HotModule {
  /** The module's file URL without the version query. */
  readonly url: string;
  /** Absolute path of the file. */
  readonly file: string;
  /** One cell per binding name, for the life of the process. */
  readonly cells = new Map<string, Cell>();
  /** Every version that was evaluated (Node keeps them all; their bindings stay in step). */
  readonly versions: ModuleVersion[] = [];
  /** The version new importers are linked to. */
  live: ModuleVersion;
  /** Version numbers are never reused: Node caches each `?hot=N` URL, failures included. */
  nextVersion = 2;
  /**
   * Inline functions' slots by site (`<owner key>/<ordinal>`): a kept statement's or data
   * value's stand-ins are found again by the next version, which swaps their targets.
   */
  readonly inline = new Map<string, InlineSlot>();
  /** What the live code's statements and initializers set up, by owner (see `ModuleVersion.runs`). */
  readonly resources = new Map<string, Resources>();
  /** `import.meta.hot.data`: one object for the life of the module. */
  readonly data: Record<string, unknown> = {};

  constructor(url: string, file: string, first: ModuleVersion) {
    this.url = url;
    this.file = file;
    this.live = first;
  }

  /** Per binding name: the versions that declare it as a local of their own, and how to assign it there. */
  readonly #locals = new Map<string, { version: ModuleVersion; setter: BindingSetter; index: number }[]>();
  /** Per binding name: how to assign its shared binding (one for every version a reload loaded, which imports it). */
  readonly #shared = new Map<string, (value: unknown) => void>();

  /** How many of `versions` are in #locals and #shared. */
  #indexed = 0;

  /**
   * Records an evaluated version (Node keeps every one). A module's only version is indexed when
   * a second one arrives (or at once if it shares bindings): until then `propagate` has at most
   * one local to assign, and a start-up of a thousand modules skips building the index.
   */
  addVersion(version: ModuleVersion): void {
    this.versions.push(version);
    if (this.versions.length === 1 && !version.meta.bindings.some((binding) => binding.shared)) return;
    while (this.#indexed < this.versions.length) this.#index(this.versions[this.#indexed++]);
  }

  #index(version: ModuleVersion): void {
    const { setter } = version;
    if (!setter) return;
    for (const [name, index] of version.indexOf) {
      if (version.meta.bindings[index].shared) {
        if (!this.#shared.has(name)) {
          this.#shared.set(name, (value) => setter(index, value));
          // The first version to share it: the binding starts from the value the module has.
          const cell = this.cells.get(name);
          if (cell?.initialised) setter(index, cell.value);
        }
        continue;
      }
      let list = this.#locals.get(name);
      if (!list) this.#locals.set(name, (list = []));
      list.push({ version, setter, index });
    }
  }

  /**
   * Assigns `value` to binding `name` in every evaluated version except `except`, so
   * importers of every version and old closures read one value. Versions a reload loaded
   * import an assigned `let`/`var` or a data `const` from one shared binding: one assignment
   * for all of them, whatever their number (`except` included: it has no local of its own).
   * The first load, and a name another kind in some version, keep a local per version. A
   * version still evaluating may not have reached the declaration yet (temporal dead zone).
   */
  propagate(name: string, value: unknown, except?: ModuleVersion): void {
    if (this.#indexed < this.versions.length) {
      // The only version, not indexed (see addVersion): its own local, if it has one.
      const only = this.versions[0];
      const index = only.indexOf.get(name);
      if (only !== except && only.setter && index !== undefined) assign(only.setter, index, value);
      return;
    }
    this.#shared.get(name)?.(value);
    const list = this.#locals.get(name);
    if (!list) return;
    for (const { version, setter, index } of list) {
      if (version !== except) assign(setter, index, value);
    }
  }
}

/** Assigns a version's local, unless that version has not reached its declaration yet (temporal dead zone). */
function assign(setter: BindingSetter, index: number, value: unknown): void {
  try {
    setter(index, value);
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
  }
}
