/**
 * The transform: one pure, synchronous pass from a module's source to code whose
 * top-level bindings live in runtime cells.
 *
 * Positions are preserved: every edit is an insertion or a same-line overwrite,
 * and the prologue is prepended to the first line, so only that line's columns
 * move; the source map covers the rest (columns included).
 */
import MagicString from 'magic-string';
import { parseSync, rawTransferSupported, Visitor, type ParserOptions } from 'oxc-parser';
import { HotError, LineIndex } from './errors.js';
import { boundaryMappings } from './mappings.js';
import {
  CELL_PREFIX,
  DEFAULT_LOCAL,
  HANDLE,
  INLINE_PREFIX,
  MAKER_PREFIX,
  NESTED_PREFIX,
  BINDING_DUMMY_PREFIX,
  BINDING_PARAM,
  BINDING_SETTER_PREFIX,
  PRIVATE_PREFIX,
  RESERVED_PREFIX,
  RUNTIME_KEY,
  SETTER_INDEX,
  SETTER_VALUE,
  SHELL_PREFIX,
  TOKEN,
  INIT,
  VERSION,
  WRITER,
} from './names.js';
import { analyzeModule } from './scope.js';
import { fingerprint } from './fingerprint.js';
import { findPragmas } from './pragmas.js';
import { rewritePrivates } from './privates.js';
const { createRequire } = process.getBuiltinModule('node:module');
import type {
  BindingInfo,
  FunctionShape,
  ImportInfo,
  InlineInfo,
  MemberRef,
  ModuleMeta,
  NestedInfo,
  SourceMapObject,
  StatementInfo,
  StaticFieldInfo,
  TransformOptions,
  TransformResult,
} from './types.js';

// Insertion order at a shared offset (minified code puts one statement's end at the
// next one's start): a node's closing text is appendLeft(end), so it stays with the
// text before the offset; a node's opening text is appendRight(start), so it stays
// with the text after it. Statement terminators added last go through appendRight.
//
// The AST is oxc's ESTree / TS-ESTree; a structural type keeps this file readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

const TS_EXTENSION = /\.[cm]?tsx?(?:$|[?#])/;

type InputMaps = typeof import('./input-map.js');
let inputMaps: InputMaps | undefined;
/** Source-map chaining, loaded for code another loader compiled first (tsx) and only then. */
const loadInputMaps = (): InputMaps => (inputMaps ??= createRequire(import.meta.url)('./input-map.js') as InputMaps);

/** Node >= 22: oxc hands the AST over through a shared buffer, ~3x faster (bench/parsers.js). */
const RAW_TRANSFER = rawTransferSupported();


/** Strips TypeScript-only wrappers (`x as T`, `x!`, `x satisfies T`) and `await` to see what an initializer is. */
function unwrap(node: Node): Node {
  while (node) {
    switch (node.type) {
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
      case 'AwaitExpression':
      case 'ParenthesizedExpression':
        node = node.expression ?? node.argument;
        break;
      default:
        return node;
    }
  }
  return node;
}

function functionShape(node: Node): FunctionShape {
  if (node.type === 'ArrowFunctionExpression') return node.async ? 'async' : 'arrow';
  if (node.async && node.generator) return 'async-generator';
  if (node.async) return 'async';
  if (node.generator) return 'generator';
  return 'plain';
}

function isFunctionNode(node: Node): boolean {
  return node?.type === 'ArrowFunctionExpression' || node?.type === 'FunctionExpression';
}

function isCall(node: Node): boolean {
  const inner = unwrap(node);
  return inner?.type === 'CallExpression' || inner?.type === 'TaggedTemplateExpression';
}

/** Collects the names a binding pattern declares, in source order. */
function patternNames(pattern: Node, out: Node[] = []): Node[] {
  switch (pattern?.type) {
    case 'Identifier':
      out.push(pattern);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) patternNames(property.type === 'RestElement' ? property.argument : property.value, out);
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) patternNames(element, out);
      break;
    case 'RestElement':
      patternNames(pattern.argument, out);
      break;
    case 'AssignmentPattern':
      patternNames(pattern.left, out);
      break;
  }
  return out;
}

/** The stand-in literal for a function cell, emitted once per function so each has its own feedback. */
/** Words a function in module code cannot be named (`continue: function () {…}` makes a function named `continue`). */
const RESERVED = new Set(('break case catch class const continue debugger default delete do else enum export extends false finally for function if import in '
  + 'instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private '
  + 'protected public await arguments eval').split(' '));

function standInSource(name: string, shape: FunctionShape, cell: string, construct = 'Reflect.construct'): string {
  const identifier = /^[A-Za-z_$][\w$]*$/.test(name);
  const safe = identifier && name !== 'default' ? name : 'standIn';
  switch (shape) {
    case 'plain':
      // A reserved word is named the way an object literal names its property's function.
      if (identifier && RESERVED.has(name) && name !== 'default') {
        return `{ ${name}: function (...a) { return new.target ? ${construct}(${cell}.t, a, new.target) : ${cell}.t.apply(this, a) } }.${name}`;
      }
      return `function ${safe}(...a) { return new.target ? ${construct}(${cell}.t, a, new.target) : ${cell}.t.apply(this, a) }`;
    case 'arrow':
      return `(...a) => ${cell}.t(...a)`;
    default:
      // Method syntax: no `prototype`, not a constructor, like async functions and arrows.
      // The runtime gives it the prototype of its kind (AsyncFunction.prototype, …).
      return `({ ${safe}(...a) { return ${cell}.t.apply(this, a) } }).${safe}`;
  }
}

/** The stand-in literal of an inline function (`__hot_J3` is its slot). Methods keep method syntax: no constructor. */
function inlineStandInSource(name: string, shape: FunctionShape, method: boolean, slot: string, construct?: string): string {
  if (method && shape === 'plain') {
    const safe = /^[A-Za-z_$][\w$]*$/.test(name) ? name : 'standIn';
    return `({ ${safe}(...a) { return ${slot}.t.apply(this, a) } }).${safe}`;
  }
  return standInSource(name, shape, slot, construct);
}

/**
 * Methods whose callback runs while the call runs (`list.map(fn)`, `new Promise(fn)`): such a
 * callback is part of what its statement computes, so it stays inline and an edit of it runs
 * the statement again.
 */
const RUNS_NOW = new Set([
  'map', 'filter', 'reduce', 'reduceRight', 'forEach', 'find', 'findIndex', 'findLast', 'findLastIndex',
  'some', 'every', 'flatMap', 'sort', 'toSorted', 'replace', 'replaceAll', 'from', 'fromAsync', 'groupBy',
  'then', 'catch', 'finally',
]);

/** An inline function found in a statement or initializer, and where it stands. */
interface InlineSite {
  node: Node;
  /** The object-literal property when it is a method (`{ move(p) {…} }`). */
  property: Node | null;
  name: string;
  shape: FunctionShape;
}

function propertyName(key: Node, computed: boolean): string {
  if (computed) return '';
  if (key?.type === 'Identifier') return key.name;
  if (key?.type === 'Literal') return String(key.value);
  return '';
}

/** The name the language gives a function at this position (`{ a: () => 1 }`, `x = function () {}`). */
function inferredName(fn: Node, parent: Node, key: string): string {
  if (fn.id?.name) return fn.id.name;
  if (parent?.type === 'Property' && key === 'value') return propertyName(parent.key, parent.computed);
  if (parent?.type === 'VariableDeclarator' && key === 'init' && parent.id.type === 'Identifier') return parent.id.name;
  if (parent?.type === 'AssignmentExpression' && key === 'right' && parent.left.type === 'Identifier') return parent.left.name;
  return '';
}

/** Whether the function at this position runs while its statement runs, or belongs to the hot API (then it is no inline site). */
function runsNow(parent: Node, key: string): boolean {
  switch (parent?.type) {
    case 'CallExpression':
    case 'NewExpression': {
      if (key === 'callee') return true; // an IIFE
      let callee = unwrap(parent.callee);
      if (callee?.type === 'ChainExpression') callee = callee.expression;
      // `import.meta.hot.dispose(() => clearInterval(timer))`: a handler that belongs to its
      // version and what it read then; a reload that replaces `timer` registers it again.
      if (callee?.type === 'MemberExpression' && isHotApi(callee.object)) return true;
      if (parent.type === 'NewExpression' && callee?.type === 'Identifier' && callee.name === 'Promise') return true;
      return callee?.type === 'MemberExpression' && !callee.computed && RUNS_NOW.has(callee.property?.name);
    }
    case 'TaggedTemplateExpression':
      return key === 'tag';
    case 'MemberExpression':
      return key === 'object'; // `(function () {}).call(…)`
    default:
      return false;
  }
}

/** `import.meta.hot`, optional chaining included. */
function isHotApi(node: Node): boolean {
  const object = unwrap(node);
  return object?.type === 'MemberExpression' && object.object?.type === 'MetaProperty' && !object.computed && object.property?.name === 'hot';
}

const EFFECTS = new Set(['CallExpression', 'NewExpression', 'TaggedTemplateExpression', 'AwaitExpression', 'ImportExpression', 'YieldExpression']);

/**
 * Whether evaluating `node` can set something up (it calls, constructs, awaits or imports
 * outside any function written in it): only then does the runtime watch what it creates.
 */
/** Whether the module awaits at its top level (`await x`, `for await`): its evaluation yields. */
function awaitsAtTopLevel(program: Node, source: string): boolean {
  if (!/\bawait\b/.test(source)) return false;
  let found = false;
  const visit = (node: Node) => {
    if (found || FUNCTION_OR_CLASS.has(node.type)) return;
    if (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node.await)) found = true;
    else forEachChild(node, visit);
  };
  for (const statement of program.body) visit(statement);
  return found;
}

function hasEffects(node: Node | null): boolean {
  if (!node) return false;
  if (EFFECTS.has(node.type)) return true;
  if (FUNCTION_OR_CLASS.has(node.type)) return node.type === 'ClassExpression' || node.type === 'ClassDeclaration'; // static blocks run
  return someChild(node, hasEffects);
}

/** Whether `test` holds for some child node of `node`, given with the key it is under (stops at the first). */
function someChild(node: Node, test: (child: Node, key: string) => boolean): boolean {
  for (const key in node) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'range' || key === 'parent') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (item && typeof item.type === 'string' && test(item, key)) return true;
    } else if (value && typeof value.type === 'string' && test(value, key)) return true;
  }
  return false;
}

/** Calls `visit` for each child node of `node`, with the key it is under. */
function forEachChild(node: Node, visit: (child: Node, parent: Node, key: string) => void): void {
  someChild(node, (child, key) => {
    visit(child, node, key);
    return false;
  });
}

const FUNCTION_OR_CLASS = new Set(['FunctionExpression', 'ArrowFunctionExpression', 'FunctionDeclaration', 'ClassExpression', 'ClassDeclaration']);

interface PendingBinding {
  info: BindingInfo;
  /** Identifier used for the binding in the output. */
  local: string;
  /** True when the output declares it with `const` semantics lost (writes must throw). */
  constant: boolean;
}

/**
 * Transforms one module.
 *
 * @param source the module's source text (JavaScript or TypeScript)
 * @param url the module's URL or path; used for messages, the source map, and to detect TypeScript
 * @throws {HotError} `ERR_HOT_PARSE` with file:line:col for a syntax error,
 *   `ERR_HOT_TRANSFORM` for a module that declares a reserved `__hot` name
 * @example
 * const { code, bindings } = transform('export let score = 0', 'file:///game/score.js');
 */
export function transform(source: string, url: string, options: TransformOptions = {}): TransformResult {
  const typescript = options.typescript ?? TS_EXTENSION.test(url);
  const lines = new LineIndex(source);
  const displayName = url.startsWith('file:') ? decodeURIComponent(new URL(url).pathname) : url;
  const position = (offset: number) => {
    const { line, column } = lines.locate(offset);
    return { file: displayName, line, column: column + 1 };
  };

  const parsed = parseSync(typescript ? 'module.ts' : 'module.js', source, {
    lang: typescript ? 'ts' : 'js',
    sourceType: 'module',
    preserveParens: false,
    range: false,
    // ESTree for JavaScript (TS-ESTree adds fields to every node: more to build and walk).
    astType: typescript ? 'ts' : 'js',
    ...(RAW_TRANSFER ? { experimentalRawTransfer: true } : {}),
  } as ParserOptions);
  const fatal = parsed.errors.find((error) => error.severity === 'Error') ?? parsed.errors[0];
  if (fatal) {
    const label = fatal.labels[0];
    throw new HotError('ERR_HOT_PARSE', `${fatal.message}${fatal.helpMessage ? ` (${fatal.helpMessage})` : ''}`, position(label ? label.start : 0));
  }
  const program = parsed.program as Node;
  const scope = analyzeModule(program);

  // Generated code names no global the module shadows (`var Symbol = root.Symbol` in lodash-es):
  // where it does, the same things come from places module code cannot reach.
  const construct = scope.variables.has('Reflect') ? `${HANDLE}.construct` : 'Reflect.construct';
  const runtimeKey = `Symbol.for(${JSON.stringify(RUNTIME_KEY)})`;
  const hub = scope.variables.has('globalThis') || scope.variables.has('Symbol')
    ? `(() => {}).constructor(${JSON.stringify(`return globalThis[${runtimeKey}]`)})()` // a function made from a string sees only globals
    : `globalThis[${runtimeKey}]`;
  for (const variable of scope.variables.values()) {
    if (variable.name.startsWith(RESERVED_PREFIX)) {
      const identifier = variable.identifiers[0] as Node;
      throw new HotError('ERR_HOT_TRANSFORM', `the name '${variable.name}' is reserved for @hot/loader's injected code; rename it`, position(identifier?.start ?? 0));
    }
  }

  const output = new MagicString(source);
  const input = source.includes('//# sourceMappingURL=data:') ? loadInputMaps().readInputMap(source) : null;
  if (input) output.remove(input.commentStart, source.length);
  let specialIdentifiers: ReturnType<typeof findSpecialIdentifiers> | undefined;
  const special = () => (specialIdentifiers ??= findSpecialIdentifiers(program));
  const pragmas = findPragmas(source, parsed.comments, program.body);

  /**
   * The inline functions of a statement or initializer: functions written directly in it (not
   * inside another function or class) that capture only module bindings and globals and are
   * not run by the statement itself.
   */
  const inlineSites = (root: Node): InlineSite[] => {
    const found: InlineSite[] = [];
    const visit = (node: Node, parent: Node, key: string) => {
      if (node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression') {
        const method = parent?.type === 'Property' && parent.method;
        if (parent?.type === 'Property' && parent.kind !== 'init') return; // getters and setters stay
        if (runsNow(parent, key) || scope.capturesLocal(node)) return;
        // `super` needs the object the method was written in.
        if (method && /\bsuper\b/.test(source.slice(node.start, node.end))) return;
        found.push({ node, property: method ? parent : null, name: inferredName(node, parent, key), shape: method && !node.async && !node.generator ? 'plain' : functionShape(node) });
        return;
      }
      if (FUNCTION_OR_CLASS.has(node.type) || node.type === 'TSModuleDeclaration') return;
      forEachChild(node, visit);
    };
    visit(root, null, '');
    return found;
  };
  /** The text of [start, end) with its inline functions left out: what matches an owner across versions. */
  const skeleton = (start: number, end: number, sites: InlineSite[]): string => {
    let text = '';
    let cursor = start;
    for (const site of sites) {
      text += source.slice(cursor, site.node.start) + `\0${site.shape}${site.property ? ' method' : ''}\0`;
      cursor = site.node.end;
    }
    return text + source.slice(cursor, end);
  };
  /** Offsets where an inline function starts or ends: text inserted there must not move with it. */
  const movedStarts = new Set<number>();
  const movedEnds = new Set<number>();
  /** Inserts `text` before what starts at `offset`, staying in place. */
  const before = (offset: number, text: string) => (movedStarts.has(offset) ? output.appendLeft(offset, text) : output.appendRight(offset, text));
  /** Inserts `text` after what ends at `offset`, staying in place. */
  const after = (offset: number, text: string) => (movedEnds.has(offset) ? output.prependRight(offset, text) : output.appendLeft(offset, text));
  const inline: InlineInfo[] = [];
  const inlineStandIns: string[] = [];
  /**
   * Creates each inline function at the top level just before `statementStart` (`__hot.il`),
   * and puts its stand-in (`__hot_J3.s`) where it was written.
   */
  const emitInline = (sites: InlineSite[], owner: 's' | 'd', ownerIndex: number, statementStart: number) => {
    sites.forEach((site, ordinal) => {
      const { node, property } = site;
      const index = inline.length;
      const slot = `${INLINE_PREFIX}${index}`;
      const nested = emitNested(node, 'i', index);
      inline.push({
        owner, index: ownerIndex, ordinal, name: site.name, shape: site.shape,
        ...(property ? { method: true } : {}),
        fingerprint: fingerprint(source.slice(property ? property.start : node.start, node.end)),
        ...(nested ? { nested } : {}),
        line: lines.locate(node.start).line,
      });
      inlineStandIns.push(`${slot} = ${HANDLE}.is(${index}, ${inlineStandInSource(site.name, site.shape, !!property, slot, construct)})`);
      // A named function expression calling itself by name means its stand-in.
      if (node.type === 'FunctionExpression' && node.id) {
        for (const reference of scope.selfNameReferences(node)) {
          const identifier = reference.identifier as Node;
          output.overwrite(identifier.start, identifier.end, `${slot}.s`, { contentOnly: true });
        }
      }
      let keyword = '';
      if (property) {
        // `async *move(p) {…}` becomes `move: <stand-in>`; the function keeps `async`/`*`.
        const headEnd = property.computed ? source.lastIndexOf('[', property.key.start) : property.key.start;
        if (headEnd > property.start) output.overwrite(property.start, headEnd, '', { contentOnly: true });
        keyword = `${node.async ? 'async ' : ''}function${node.generator ? '*' : ''} `;
        output.appendLeft(node.start, `: ${slot}.s`);
      } else {
        output.appendLeft(node.start, `${slot}.s`);
      }
      // `{ move: fn }.move` names an anonymous function the way its place would (a `name` set
      // later, with defineProperty, makes V8 stop inlining calls to it: 5-10x slower).
      const key = site.name && !node.id ? JSON.stringify(site.name) : null;
      output.prependRight(node.start, `${HANDLE}.il(${index}, ${key ? `{ ${key}: ` : ''}${keyword}`);
      output.appendLeft(node.end, key ? ` }[${key}]); ` : '); ');
      output.move(node.start, node.end, statementStart);
    });
  };
  const markMoved = (sites: InlineSite[]) => {
    for (const { node } of sites) {
      movedStarts.add(node.start);
      movedEnds.add(node.end);
    }
  };
  const nested: NestedInfo[] = [];
  const nestedDeclarations: string[] = [];
  const hashbangEnd = source.startsWith('#!') ? source.indexOf('\n') + 1 || source.length : 0;
  /**
   * The functions written in top-level function `outer` whose closures can forward to newer
   * code: passed to a call (not one that runs them now), no own name, no generator, no `this`,
   * `arguments` or `super`, closing over only parameters of `outer` and variables its body
   * declares in an earlier statement that nothing writes again.
   */
  /** Also returns the text of the other functions and classes written in it: they keep the code they were made with. */
  const nestedSites = (outer: Node): { groups: { statement: Node; sites: Node[] }[]; others: string[] } => {
    const groups: { statement: Node; sites: Node[] }[] = [];
    const others: string[] = [];
    if (!outer.body) return { groups, others };
    const statementsOf = outer.body.type === 'BlockStatement' ? outer.body.body : [outer.body];
    for (const param of outer.params ?? []) forEachChild({ param }, function visit(node: Node) {
      if (FUNCTION_OR_CLASS.has(node.type)) others.push(source.slice(node.start, node.end));
      else forEachChild(node, visit);
    });
    for (const statement of statementsOf as Node[]) {
      const sites: Node[] = [];
      const visit = (node: Node, parent: Node, key: string) => {
        if (FUNCTION_OR_CLASS.has(node.type)) {
          if ((node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression') && forwardable(node, parent, key, statement)) sites.push(node);
          else others.push(source.slice(node.start, node.end));
          return;
        }
        forEachChild(node, visit);
      };
      visit(statement, null, '');
      if (sites.length) groups.push({ statement, sites });
    }
    return { groups, others };

    function forwardable(fn: Node, parent: Node, key: string, statement: Node): boolean {
      if (fn.id || fn.generator) return false;
      if (!(parent?.type === 'CallExpression' || parent?.type === 'NewExpression') || key !== 'arguments' || runsNow(parent, key)) return false;
      if (/\b(?:this|arguments|super)\b|new\s*\.\s*target/.test(source.slice(fn.start, fn.end))) return false;
      return scope.capturedVariables(fn).every((v) => v.owner === outer && !v.written && (v.parameter || v.declaredAt < statement.start));
    }
  };
  /**
   * Moves each forwardable nested function of `outer` to the top of the module as a factory of
   * its captured values (`__hot.nl`), and makes each closure in place with the maker (`__hot_M3(app)`).
   * Returns the hash of the other functions written in `outer` (for the nested-code warning).
   */
  const emitNested = (outer: Node, owner: 'b' | 'i', ownerIndex: number): string | undefined => {
    const occurrences = new Map<string, number>();
    const { groups, others } = nestedSites(outer);
    for (const { statement, sites } of groups) {
      const context = fingerprint(skeleton(statement.start, statement.end, sites.map((node) => ({ node, property: null, name: '', shape: functionShape(node) }))));
      const occurrence = (occurrences.get(context) ?? 0) + 1;
      occurrences.set(context, occurrence);
      sites.forEach((node, ordinal) => {
        const index = nested.length;
        const captured = [...new Set(scope.capturedVariables(node).map((v) => v.name))].sort();
        nested.push({ owner, index: ownerIndex, local: `${context}#${occurrence}/${ordinal}|${captured.join(',')}`, fingerprint: fingerprint(source.slice(node.start, node.end)), line: lines.locate(node.start).line });
        const slot = `${NESTED_PREFIX}${index}`;
        const values = captured.map((_, i) => `__hot_c${i}`).join(', ');
        // Parameters up to the first default or rest: the closure keeps the `length` it would have had.
        let simple = node.params.findIndex((param: Node) => param.type !== 'Identifier');
        if (simple === -1) simple = node.params.length;
        const params = Array.from({ length: simple }, (_, i) => `__hot_a${i}`).join(', ');
        const cached = `(__hot_t === ${slot}.t ? __hot_f : (__hot_f = (__hot_t = ${slot}.t)(${values})))`;
        // `apply(this, arguments)`: every argument passes (more than the declared ones too), and V8
        // optimises it without allocating (a rest parameter and a spread cost ~4 ns a call).
        nestedDeclarations.push(
          `${slot} = ${HANDLE}.ns(${index})`,
          `${MAKER_PREFIX}${index} = (${values}) => { let __hot_f, __hot_t; return ${node.async ? 'async ' : ''}function (${params}) { return ${cached}.apply(this, arguments) } }`,
        );
        output.appendLeft(node.start, `${MAKER_PREFIX}${index}(${captured.join(', ')})`);
        output.prependRight(node.start, `${HANDLE}.nl(${index}, (${captured.join(', ')}) => `);
        output.appendLeft(node.end, '); ');
        output.move(node.start, node.end, hashbangEnd);
      });
    }
    return others.length ? fingerprint(others.join('\0')) : undefined;
  };
  /** Top-level names read in [start, end) outside the inline functions (their reads happen when called). */
  const eagerReads = (start: number, end: number, sites: InlineSite[]): string[] => {
    if (!sites.length) return readsWithin(start, end);
    const names = new Set<string>();
    let cursor = start;
    for (const site of sites) {
      for (const name of readsWithin(cursor, site.node.start)) names.add(name);
      cursor = site.node.end;
    }
    for (const name of readsWithin(cursor, end)) names.add(name);
    return [...names];
  };

  // Export names per local binding.
  const exportsOf = new Map<string, string[]>();
  for (const statement of parsed.module.staticExports) {
    for (const entry of statement.entries) {
      if (entry.moduleRequest || entry.isType || entry.localName.name == null || entry.exportName.name == null) continue;
      const list = exportsOf.get(entry.localName.name) ?? [];
      list.push(entry.exportName.name);
      exportsOf.set(entry.localName.name, list);
    }
  }

  const imports: ImportInfo[] = parsed.module.staticImports.map((entry) => {
    const { line, column } = lines.locate(entry.start);
    return {
      specifier: entry.moduleRequest.value,
      names: entry.entries.filter((e) => !e.isType && e.importName.name != null).map((e) => e.importName.name as string),
      line,
      column: column + 1,
    };
  });

  const bindings: PendingBinding[] = [];
  const byName = new Map<string, PendingBinding>();
  const prologueCells: string[] = [];
  /** Whether a class of this module takes the initialiser form (the prologue then names its key). */
  let usesInit = false;
  /** Class members with a version check, by the number the check passes (`__hot.q(id, …)`). */
  const members: MemberRef[] = [];
  const prologueStatements: string[] = [];
  /**
   * Imports of shared `let`/`var` bindings; their module's URL is this file's, with
   * `?hot-binding=name`. Only versions a reload loads (`sharedBindings`) import them: a first load
   * keeps its own locals (no extra module at start), which the runtime keeps in step with the
   * shared binding, so a write costs two assignments whatever the number of versions.
   */
  const sharedImports: string[] = [];
  const bindingBase = options.sharedBindings && url.startsWith('file:') ? url.replace(/[?#].*$/, '') : null;
  const variableOf = scope.variables;

  const addBinding = (info: Omit<BindingInfo, 'exported' | 'line' | 'column'>, local: string, at: number, constant = false): number => {
    const { line, column } = lines.locate(at);
    const exported = exportsOf.get(local === DEFAULT_LOCAL ? '' : local) ?? [];
    const full: BindingInfo = { ...info, exported: info.name === 'default' && local === DEFAULT_LOCAL ? ['default'] : exported, line, column };
    if (input?.isGenerated(line, column)) full.generated = true;
    const pending = { info: full, local, constant };
    bindings.push(pending);
    byName.set(local, pending);
    return bindings.length - 1;
  };

  // Reads of module-scope bindings, by offset: initializers look up their range in it.
  const moduleReads: { at: number; name: string }[] = [];
  for (const variable of scope.variables.values()) {
    for (const reference of variable.references) {
      if (reference.read) moduleReads.push({ at: (reference.identifier as Node).start, name: variable.name });
    }
  }
  moduleReads.sort((x, y) => x.at - y.at);
  /** Top-level module names read inside [start, end), for the data rule that follows edited dependencies. */
  const readsWithin = (start: number, end: number): string[] => {
    let low = 0;
    let high = moduleReads.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (moduleReads[mid].at < start) low = mid + 1;
      else high = mid;
    }
    const names = new Set<string>();
    for (let i = low; i < moduleReads.length && moduleReads[i].at < end; i++) names.add(moduleReads[i].name);
    return [...names];
  };

  const dataWrap = (index: number, init: Node | null, insertAt: number) => {
    if (init) {
      before(init.start, `${HANDLE}.d(${index}) ? ${HANDLE}.s(${index}, (`);
      after(init.end, `)) : ${HANDLE}.g(${index})`);
    } else {
      output.appendLeft(insertAt, ` = ${HANDLE}.d(${index}) ? ${HANDLE}.s(${index}, void 0) : ${HANDLE}.g(${index})`);
    }
  };

  const functionWrap = (index: number, init: Node, name: string) => {
    // `{ name: fn }.name` gives an anonymous function its name the way `const name = fn` would.
    const needsName = !init.id;
    const key = JSON.stringify(name);
    output.appendRight(init.start, `${HANDLE}.fn(${index}, ${needsName ? `{ ${key}: (` : '('}`);
    output.appendLeft(init.end, needsName ? `) }[${key}])` : '))');
  };

  const classNode = (node: Node, index: number, name: string) => {
    const shell = `${SHELL_PREFIX}${index}`;
    const cell = `${CELL_PREFIX}${index}`;
    // `abstract class` is TypeScript only and cannot stand in an expression.
    if (node.abstract) output.overwrite(node.start, source.indexOf('class', node.start), '', { contentOnly: true });
    // `default` is no identifier: the runtime names such a shell from the binding.
    const shellName = /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default' ? name : 'HotClass';
    const init = options.classInit === false ? null : initForm(node, source);
    if (init) {
      // A base class whose shell allocates: see initForm.
      usesInit = true;
      const params = (count: number) => Array.from({ length: count }, (_, i) => `${INIT}${i}`).join(', ');
      // The shell hands on eight arguments by name, undefined past those given (an initialiser
      // cannot tell them from missing ones: initForm leaves out rest parameters, `arguments` and
      // more than eight parameters) to the initialiser its slot holds. Through `apply(this,
      // arguments)` V8 inlined the initialiser but kept the allocation of a `new` in another module
      // (bench/tick.js: 3.4x), and reading `arguments.length` to choose cost a `new` 3 ns. Its
      // length is the implementation's (runtime attach()).
      const eight = params(SHELL_ARGUMENTS);
      prologueCells.push(`${cell} = ${HANDLE}.cell(${index}, class ${shellName} { constructor(${eight}) { return ${cell}.t.call(this, ${eight}) } })`, `${shell} = ${cell}.s`);
      // This version's own constructor runs only under a shell made by a version in the other
      // form (a derived shell constructs through it): it reads its own initialiser, by its own name.
      const own = `constructor(${params(init.length)}) { return ${node.id.name}.prototype[${INIT}].apply(this, arguments) }`;
      output.appendLeft(node.body.start + 1, ` static { ${HANDLE}.attach(${index}, this) } ${own}${init.constructor ? '' : ` [${INIT}]() {}`}`);
      if (init.constructor) output.overwrite(init.constructor.key.start, init.constructor.key.end, `[${INIT}]`, { contentOnly: true });
    } else {
      prologueCells.push(`${cell} = ${HANDLE}.cell(${index}, class ${shellName} extends ${HANDLE}.Placeholder {})`, `${shell} = ${cell}.s`);
      // First element of the body: attach the implementation before any static initialiser runs.
      output.appendLeft(node.body.start + 1, ` static { ${HANDLE}.attach(${index}, this) }`);
    }
    if (!node.superClass && !init) {
      // Every other base class extends one shared root, so the base constructor that allocates
      // instances is the same for all versions and they share one hidden class.
      const after = node.typeParameters?.end ?? node.id?.end ?? node.start + 'class'.length;
      output.appendLeft(after, ` extends ${HANDLE}.Root`);
      const constructor = node.body.body.find((m: Node) => m.type === 'MethodDefinition' && m.kind === 'constructor' && m.value?.body);
      if (constructor) output.appendLeft(constructor.value.body.start + 1, ' super();');
    }
    const privates = rewritePrivates({
      node, source, output, index, keeper: `${PRIVATE_PREFIX}${index}`,
      line: (offset) => lines.locate(offset).line,
      pragmaBefore: (offset) => pragmas.before(offset),
    });
    if (privates) prologueCells.push(...privates.prologue);
    const statics: StaticFieldInfo[] = [];
    for (const member of node.body.body) {
      const keyName = member.computed ? null : member.key?.type === 'Identifier' ? member.key.name : member.key?.type === 'Literal' ? String(member.key.value) : null;
      if (member.type === 'MethodDefinition' && member.kind !== 'constructor' && member.value?.body && keyName != null) {
        const flags = (member.static ? 1 : 0) | (member.kind === 'get' ? 2 : member.kind === 'set' ? 4 : 0);
        const forwarded = forwardedArguments(member.value, source);
        if (member.value.generator) {
          // A generator delegates to the latest one: yield* needs the iterator itself.
          const args = `${cell}, this, ${forwarded === null ? 'arguments' : `[${forwarded}]`}, ${JSON.stringify(keyName)}, ${flags}`;
          output.appendLeft(member.value.body.start + 1, ` if (${TOKEN}.s && ${cell}.v !== ${VERSION} && ${HANDLE}.has(${cell}, ${JSON.stringify(keyName)}, ${flags})) return yield* ${HANDLE}.stale(${args});`);
        } else {
          // As little bytecode as it can be: V8 inlines within a budget of bytecode per function it
          // optimises, and a check 4x the size of a small method's body kept a steering tick's Vec
          // methods from being inlined and their allocations from being removed (bench/tick.js).
          // The member is a number (the module's `members` table); the arguments go one by one.
          const id = members.push([index, keyName, flags]) - 1;
          const call = forwarded === null ? `${HANDLE}.qa(${id}, this, arguments)` : `${HANDLE}.q(${id}, this${forwarded ? `, ${forwarded}` : ''})`;
          output.appendLeft(member.value.body.start + 1, ` if (${TOKEN}.s && ${call}) return ${HANDLE}.x;`);
        }
      } else if (member.type === 'PropertyDefinition' && member.static && keyName != null && !member.declare) {
        const slot = statics.length;
        statics.push({ name: keyName, fingerprint: fingerprint(member.value ? source.slice(member.value.start, member.value.end) : ''), ...(pragmas.before(member.start) ? { pragma: pragmas.before(member.start) } : {}) });
        if (member.value) {
          output.appendRight(member.value.start, `${HANDLE}.sf(${index}, ${slot}) ? (`);
          output.appendLeft(member.value.end, `) : ${HANDLE}.sk(${index}, ${slot})`);
        } else {
          const after = member.typeAnnotation ? member.typeAnnotation.end : member.key.end;
          output.appendLeft(after, ` = ${HANDLE}.sf(${index}, ${slot}) ? void 0 : ${HANDLE}.sk(${index}, ${slot})`);
        }
      }
    }
    // The class's own name inside its body means the stable class, not this version.
    for (const reference of scope.classSelfReferences(node)) {
      const identifier = reference.identifier as Node;
      // A class that keeps native `#private` members: `Player.#count` must read the implementation.
      if (privates?.native && special().privateObjects.has(identifier.start)) continue;
      output.overwrite(identifier.start, identifier.end, shell, { contentOnly: true });
    }
    return { statics, privates };
  };

  const classInfo = (index: number, { statics, privates }: ReturnType<typeof classNode>) => {
    const info = bindings[index].info;
    if (statics.length) info.statics = statics;
    if (privates?.statics.length) info.privateStatics = privates.statics;
    if (privates?.native) info.privateNative = privates.native;
  };

  let group = 0;
  const statements: StatementInfo[] = [];
  for (const topStatement of program.body as Node[]) {
    if (isRunnableStatement(topStatement)) {
      // Runs again on reload only if new to the module or reading replaced data (runtime `r`).
      const index = statements.length;
      const statementPragma = pragmas.statementBefore(topStatement.start);
      const sites = inlineSites(topStatement);
      markMoved(sites);
      statements.push({
        fingerprint: fingerprint(skeleton(topStatement.start, topStatement.end, sites)),
        reads: eagerReads(topStatement.start, topStatement.end, sites),
        line: lines.locate(topStatement.start).line,
        ...(statementPragma ? { pragma: statementPragma } : {}),
      });
      // try/finally: a statement that throws still ends its window (see runtime/resources.ts).
      before(topStatement.start, `if (${HANDLE}.r(${index})) try { `);
      after(topStatement.end, ` ;} finally { ${HANDLE}.e() }`);
      emitInline(sites, 's', index, topStatement.start);
      continue;
    }
    let statement = topStatement;
    let exportDefault = false;
    if (statement.type === 'ExportNamedDeclaration') {
      if (!statement.declaration) continue;
      statement = statement.declaration;
    } else if (statement.type === 'ExportDefaultDeclaration') {
      exportDefault = true;
      statement = statement.declaration;
    }
    const pragma = pragmas.before(topStatement.start);

    if (statement.type === 'FunctionDeclaration' && statement.body) {
      let local = statement.id?.name;
      if (!local) {
        local = DEFAULT_LOCAL;
        const paren = source.indexOf('(', statement.start);
        output.appendLeft(paren, ` ${DEFAULT_LOCAL}`);
      }
      const name = statement.id?.name ?? 'default';
      const shape = functionShape(statement);
      const index = addBinding({ name, kind: 'function', declaration: exportDefault && !statement.id ? 'default' : 'function', shape, fingerprint: fingerprint(source.slice(statement.start, statement.end)) }, local, statement.id?.start ?? statement.start);
      const nested = emitNested(statement, 'b', index);
      if (nested) bindings[index].info.nested = nested;
      if (exportDefault) bindings[index].info.exported = [...new Set(['default', ...bindings[index].info.exported])];
      const cell = `${CELL_PREFIX}${index}`;
      prologueCells.push(`${cell} = ${HANDLE}.cell(${index}, ${standInSource(name, shape, cell, construct)})`);
      prologueStatements.push(`${local} = ${HANDLE}.fn(${index}, ${local});`);
      continue;
    }

    if (statement.type === 'ClassDeclaration' && !statement.declare) {
      const name = statement.id?.name ?? 'default';
      const local = statement.id?.name ?? DEFAULT_LOCAL;
      const index = addBinding({ name, kind: 'class', declaration: exportDefault && !statement.id ? 'default' : 'class', fingerprint: fingerprint(source.slice(statement.start, statement.end)) }, local, statement.id?.start ?? statement.start);
      if (exportDefault) {
        bindings[index].info.exported = [...new Set(['default', ...bindings[index].info.exported])];
        output.overwrite(topStatement.start, statement.start, `let ${local} = ${HANDLE}.cls(${index}, `, { contentOnly: true });
        output.appendLeft(statement.end, `); export { ${local} as default };`);
      } else {
        output.appendRight(statement.start, `let ${local} = ${HANDLE}.cls(${index}, `);
        output.appendLeft(statement.end, ');');
      }
      classInfo(index, classNode(statement, index, name));
      continue;
    }

    if (exportDefault) {
      // `export default <expression>`: give it a local binding so every version can update it.
      if (statement.type === 'TSInterfaceDeclaration' || statement.type === 'TSDeclareFunction') continue;
      const expression = statement;
      const inner = unwrap(expression);
      output.overwrite(topStatement.start, expression.start, `let ${DEFAULT_LOCAL} = `, { contentOnly: true });
      const terminator = source[topStatement.end - 1] === ';' ? '' : ';';
      output.appendRight(topStatement.end, `${terminator} export { ${DEFAULT_LOCAL} as default };`);
      if (isFunctionNode(expression)) {
        const index = addBinding({ name: 'default', kind: 'function', declaration: 'default', shape: functionShape(expression), fingerprint: fingerprint(source.slice(expression.start, expression.end)) }, DEFAULT_LOCAL, expression.start);
        bindings[index].info.exported = ['default'];
        const cell = `${CELL_PREFIX}${index}`;
        prologueCells.push(`${cell} = ${HANDLE}.cell(${index}, ${standInSource('default', functionShape(expression), cell, construct)})`);
        functionWrap(index, expression, 'default');
        const nested = emitNested(expression, 'b', index);
        if (nested) bindings[index].info.nested = nested;
      } else if (expression.type === 'ClassExpression') {
        const index = addBinding({ name: 'default', kind: 'class', declaration: 'default', fingerprint: fingerprint(source.slice(expression.start, expression.end)) }, DEFAULT_LOCAL, expression.start);
        bindings[index].info.exported = ['default'];
        output.appendRight(expression.start, `${HANDLE}.cls(${index}, `);
        output.appendLeft(expression.end, ')');
        classInfo(index, classNode(expression, index, expression.id?.name ?? 'default'));
      } else {
        const sites = inlineSites(expression);
        markMoved(sites);
        const index = addBinding({
          name: 'default', kind: 'data', declaration: 'default',
          fingerprint: fingerprint(skeleton(expression.start, expression.end, sites)),
          reads: eagerReads(expression.start, expression.end, sites),
          ...(isCall(inner) ? { callInit: true } : {}),
          ...(hasEffects(expression) ? { effects: true } : {}),
          ...(pragma ? { pragma } : {}),
        }, DEFAULT_LOCAL, expression.start);
        bindings[index].info.exported = ['default'];
        dataWrap(index, expression, expression.end);
        emitInline(sites, 'd', index, topStatement.start);
      }
      continue;
    }

    if (statement.type === 'VariableDeclaration' && !statement.declare && ['const', 'let', 'var'].includes(statement.kind)) {
      const kind = statement.kind as 'const' | 'let' | 'var';
      const hasPattern = statement.declarations.some((d: Node) => d.id.type !== 'Identifier');
      // `export let x` of a shared binding: the declaration loses `export`, and `export { x }` re-exports the import.
      const exported = topStatement !== statement;
      const sharedExports: string[] = [];
      // Shared (in a version a reload loads): a `let` or `var` that code assigns after its
      // declaration (a counter a tick bumps), and a `const` a later reload may replace, where
      // each new value would otherwise be assigned in every version's binding in turn. Not a
      // const function or class: those have cells and stand-ins of their own.
      const share = !hasPattern && bindingBase !== null && (kind === 'const'
        ? statement.declarations.every((d: Node) => !(d.init && (isFunctionNode(d.init) || d.init.type === 'ClassExpression')))
        : statement.declarations.some((d: Node) => variableOf.get(d.id.name)?.references.some((r) => r.write && !r.init)));
      if (exported && share) output.overwrite(topStatement.start, statement.start, '', { contentOnly: true });
      const keywordEnd = statement.start + kind.length;
      if (hasPattern) {
        const names = statement.declarations.flatMap((d: Node) => patternNames(d.id).map((id: Node) => id.name));
        output.overwrite(statement.start, keywordEnd, `${kind === 'var' ? 'var' : 'let'} ${names.join(', ')};`, { contentOnly: true });
      } else if (kind === 'const') {
        output.overwrite(statement.start, keywordEnd, 'let', { contentOnly: true });
      }
      for (const declarator of statement.declarations) {
        const id = declarator.id;
        const init = declarator.init;
        const inner = unwrap(init);
        if (id.type === 'Identifier') {
          if (hasPattern && id.typeAnnotation) output.remove(id.typeAnnotation.start, id.typeAnnotation.end);
          if (kind === 'const' && init && isFunctionNode(init)) {
            const shape = functionShape(init);
            const index = addBinding({ name: id.name, kind: 'function', declaration: kind, shape, fingerprint: fingerprint(source.slice(init.start, init.end)) }, id.name, id.start, true);
            const nested = emitNested(init, 'b', index);
            if (nested) bindings[index].info.nested = nested;
            const cell = `${CELL_PREFIX}${index}`;
            prologueCells.push(`${cell} = ${HANDLE}.cell(${index}, ${standInSource(id.name, shape, cell, construct)})`);
            functionWrap(index, init, id.name);
          } else if (kind === 'const' && init?.type === 'ClassExpression') {
            const index = addBinding({ name: id.name, kind: 'class', declaration: kind, fingerprint: fingerprint(source.slice(init.start, init.end)) }, id.name, id.start, true);
            const key = JSON.stringify(id.name);
            output.appendRight(init.start, `${HANDLE}.cls(${index}, ${init.id ? '(' : `{ ${key}: (`}`);
            output.appendLeft(init.end, init.id ? '))' : `) }[${key}])`);
            classInfo(index, classNode(init, index, init.id?.name ?? id.name));
          } else {
            // `let x!: T` promises an assignment later; with the initializer given here the `!` must go.
            if (declarator.definite && !init) {
              const bang = source.indexOf('!', id.start + id.name.length);
              if (bang !== -1 && bang < (id.typeAnnotation?.start ?? id.end)) output.remove(bang, bang + 1);
            }
            const sites = init ? inlineSites(init) : [];
            markMoved(sites);
            const index = addBinding({
              name: id.name, kind: 'data', declaration: kind,
              fingerprint: fingerprint(init ? skeleton(init.start, init.end, sites) : ''),
              reads: init ? eagerReads(init.start, init.end, sites) : [],
              ...(isCall(inner) ? { callInit: true } : {}),
              ...(hasEffects(init) ? { effects: true } : {}),
              ...(pragma ? { pragma } : {}),
            }, id.name, id.start, kind === 'const');
            dataWrap(index, init, id.typeAnnotation ? id.typeAnnotation.end : id.end);
            emitInline(sites, 'd', index, topStatement.start);
            // One binding for every version: imported from its shared module, so a write reaches
            // every version and importer at once. The declaration keeps a dummy name, so its
            // initializer still runs where it is written.
            if (share) {
              bindings[index].info.shared = true;
              output.overwrite(id.start, id.end, `${BINDING_DUMMY_PREFIX}${index}`, { contentOnly: true });
              sharedImports.push(`import { v as ${id.name}, s as ${BINDING_SETTER_PREFIX}${index} } from ${JSON.stringify(`${bindingBase}?${BINDING_PARAM}=${encodeURIComponent(id.name)}`)};`);
              if (exported) sharedExports.push(id.name);
            }
          }
        } else {
          // A destructuring declarator: one initializer, one keep/replace decision for all its names.
          const ids = patternNames(id);
          const groupId = ++group;
          const first = bindings.length;
          const sites = init ? inlineSites(init) : [];
          markMoved(sites);
          for (const name of ids) {
            addBinding({
              name: name.name, kind: 'data', declaration: kind, group: groupId,
              fingerprint: fingerprint(skeleton(id.start, declarator.end, sites)),
              reads: eagerReads(declarator.start, declarator.end, sites).filter((n) => !ids.some((i) => i.name === n)),
              ...(hasEffects(init) ? { effects: true } : {}),
              ...(pragma ? { pragma } : {}),
            }, name.name, name.start, kind === 'const');
          }
          if (id.typeAnnotation) output.remove(id.typeAnnotation.start, id.typeAnnotation.end);
          output.appendRight(id.start, `${HANDLE}.d(${first}) ? ((`);
          after(declarator.end, `), ${HANDLE}.sg(${first}, [${ids.map((i) => i.name).join(', ')}])) : ${HANDLE}.gg(${first})`);
          emitInline(sites, 'd', first, topStatement.start);
        }
      }
      if (hasPattern && source[statement.end - 1] !== ';') output.appendLeft(statement.end, ';');
      if (sharedExports.length) output.appendLeft(topStatement.end, `${source[topStatement.end - 1] === ';' ? '' : ';'} export { ${sharedExports.join(', ')} };`);
      continue;
    }
  }

  // Every write to a top-level binding goes through the runtime so all versions see it.
  const written = new Set<PendingBinding>();
  for (const [name, pending] of byName) {
    const variable = variableOf.get(name);
    if (!variable) continue;
    for (const reference of variable.references) {
      if (!reference.write || reference.init) continue;
      const identifier = reference.identifier as Node;
      written.add(pending);
      const shorthand = special().shorthands.has(identifier.start);
      output.overwrite(identifier.start, identifier.end, shorthand ? `${name}: ${WRITER}.${name}` : `${WRITER}.${name}`, { contentOnly: true });
    }
  }

  // A module calling its own function declarations calls the latest implementation directly:
  // one frame a call, as plain (recursion reaches the same depth), and still the newest code.
  // A module that awaits at its top level is evaluated in steps, and code outside it runs in
  // between: its function declarations become stand-ins for the new code only when its
  // evaluation ends, or a caller would run new code whose bindings are not yet initialised
  // (TDZ). Until then its own code calls them directly (the hoisted declarations).
  const topLevelAwait = awaitsAtTopLevel(program, source);
  const ownFunctions = topLevelAwait ? [] : bindings.filter((b) => b.info.kind === 'function' && b.info.declaration === 'function' && !written.has(b) && variableOf.get(b.local)?.references.some((r) => r.read));
  // A reference is such a call when `(` follows it and `new` does not precede it (read from the
  // text: a walk of the whole tree for call expressions made the transform 20% slower).
  for (const pending of ownFunctions) {
    const cell = `${CELL_PREFIX}${bindings.indexOf(pending)}`;
    for (const reference of (variableOf.get(pending.local) as NonNullable<ReturnType<typeof variableOf.get>>).references) {
      const identifier = reference.identifier as Node;
      if (!reference.read || reference.write || !isPlainCall(source, identifier.start, identifier.end)) continue;
      output.overwrite(identifier.start, identifier.end, `(0, ${cell}.t)`, { contentOnly: true });
    }
  }

  const meta: ModuleMeta = {
    hash: options.sourceHash ?? fingerprint(source),
    size: source.length,
    ...(pragmas.module ? { pragma: pragmas.module } : {}),
    ...(options.data ? { project: options.data } : {}),
    ...(pragmas.moduleStatements ? { statementPragma: pragmas.moduleStatements } : {}),
    ...(topLevelAwait ? { topLevelAwait: true } : {}),
    bindings: bindings.map((b) => b.info),
    statements,
    ...(inline.length ? { inline } : {}),
    ...(members.length ? { members } : {}),
    ...(nested.length ? { nested } : {}),
    imports,
  };

  const setterCases = bindings.map((b, i) => (b.info.shared ? `case ${i}: ${BINDING_SETTER_PREFIX}${i}(${SETTER_VALUE}); break;` : `case ${i}: ${b.local} = ${SETTER_VALUE}; break;`)).join(' ');
  const setter = bindings.length ? `(${SETTER_INDEX}, ${SETTER_VALUE}) => { switch (${SETTER_INDEX}) { ${setterCases} } }` : 'null';
  const declarations = [
    // The metadata as JSON text in a string literal, parsed by the runtime: as an object literal V8
    // kept a boilerplate copy of it with every version for the life of the process (~60 KB for a
    // 100 KB module), and parsing a literal of that size is slower than JSON.parse of its text.
    `${HANDLE} = ${hub}.enter(import.meta, ${jsString(JSON.stringify(meta))}, ${setter})`,
    `${VERSION} = ${HANDLE}.version`,
    `${TOKEN} = ${HANDLE}.token`,
    ...(usesInit ? [`${INIT} = ${HANDLE}.I`] : []),
    ...prologueCells,
    ...inlineStandIns,
    ...nestedDeclarations,
  ];
  let prologue = `${sharedImports.length ? `${sharedImports.join(' ')} ` : ''}const ${declarations.join(', ')}; ${topLevelAwait ? '' : prologueStatements.join(' ')}`;
  if (topLevelAwait && prologueStatements.length) output.append(`\n;${prologueStatements.join(' ')}\n`);
  if (written.size) {
    const accessors = [...written].map((b) => {
      const index = bindings.indexOf(b);
      const set = b.constant ? `${HANDLE}.constWrite(${JSON.stringify(b.local)})` : `${HANDLE}.w(${index}, v)`;
      return `get ${b.local}() { return ${b.local} }, set ${b.local}(v) { ${set} }`;
    });
    prologue += ` const ${WRITER} = { ${accessors.join(', ')} };`;
  }
  const hashbang = source.startsWith('#!') ? source.indexOf('\n') + 1 || source.length : 0;
  // Before anything else inserted at the same offset (e.g. a class declaration's own prefix).
  output.prependLeft(hashbang, prologue + ' ');

  // No sourcesContent: the original is on disk where the map points, and every start and
  // reload would otherwise carry a second copy of the source, base64-encoded, through Node.
  // The map's fields as a plain object (the caller serialises it once); mappings.ts says what it maps.
  const own: SourceMapObject = { version: 3, sources: [url], names: [], mappings: boundaryMappings(output, lines) };
  const map: SourceMapObject = input ? input.chain(own, url) : own;
  let code = output.toString();
  if (options.inlineSourceMap !== false) code += `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  return { code, map, bindings: meta.bindings, meta };
}

/** Whether the identifier at [start, end) is called (`f(…)`), not constructed (`new f(…)`). */
function isPlainCall(source: string, start: number, end: number): boolean {
  let after = end;
  while (after < source.length && (source[after] === ' ' || source[after] === '\t' || source[after] === '\n' || source[after] === '\r')) after++;
  if (source[after] !== '(') return false;
  let before = start - 1;
  while (before >= 0 && (source[before] === ' ' || source[before] === '\t' || source[before] === '\n' || source[before] === '\r')) before--;
  return !(source.startsWith('new', before - 2) && !/[\w$]/.test(source[before - 3] ?? ''));
}

/** Statement types that declare nothing: the statement rule decides whether they run on reload. */
const DECLARATIONS = new Set([
  'ImportDeclaration', 'ExportNamedDeclaration', 'ExportDefaultDeclaration', 'ExportAllDeclaration',
  'FunctionDeclaration', 'ClassDeclaration', 'VariableDeclaration', 'EmptyStatement',
  'TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSEnumDeclaration', 'TSModuleDeclaration',
  'TSDeclareFunction', 'TSImportEqualsDeclaration', 'TSExportAssignment', 'TSNamespaceExportDeclaration',
]);

/** How many arguments a base shell hands on by name (see initForm). */
const SHELL_ARGUMENTS = 8;

/**
 * Whether a top-level class takes the initialiser form, and how: a base class whose stable shell
 * is itself a base class that allocates, then runs the latest version's constructor body, moved
 * into a method under the runtime's `INIT` key (the class's own `constructor` forwards there too).
 * The other form (`extends __hot.Root`, a derived shell) makes every `new` a derived construction,
 * and V8 never removes the allocation of a derived construction (escape analysis): in
 * allocation-heavy code (`add(v) { return new Vec(…) }`) that cost 2.5-3.5x (bench/tick.js).
 * Left in the other form: derived classes (their allocation is derived in plain code too),
 * anonymous or abstract ones, decorated ones, instance fields or `#private` members (they are
 * initialised by the constructing class), TypeScript parameter properties or constructor
 * overloads, a constructor that reads `new.target` (a method has none), and one with a rest
 * parameter, more than eight parameters, or that reads `arguments` (the shell hands on eight
 * arguments, padded with undefined).
 */
function initForm(node: Node, source: string): { length: number; constructor: Node | null } | null {
  if (node.superClass || !node.id || node.abstract || node.decorators?.length) return null;
  let constructor: Node | null = null;
  for (const member of node.body.body) {
    if (member.key?.type === 'PrivateIdentifier') return null;
    if ((member.type === 'PropertyDefinition' || member.type === 'AccessorProperty' || member.type === 'TSAbstractPropertyDefinition') && !member.static) return null;
    if (member.type === 'MethodDefinition' && member.kind === 'constructor') {
      if (constructor || !member.value?.body) return null;
      constructor = member;
    }
  }
  if (!constructor) return { length: 0, constructor: null };
  const params: Node[] = constructor.value.params;
  const text = source.slice(constructor.start, constructor.end);
  if (params.some((p) => p.type === 'TSParameterProperty' || p.type === 'RestElement') || /\bnew\s*\.\s*target\b|\barguments\b/.test(text)) return null;
  if (params.length > SHELL_ARGUMENTS) return null;
  const firstDefault = params.findIndex((p) => p.type === 'AssignmentPattern');
  return { length: firstDefault === -1 ? params.length : firstDefault, constructor };
}

/**
 * What a method's version check hands on when it forwards a call: its parameters by name when
 * they are plain names (`a, b`, `a, ...rest`), else null for `arguments` (also when its body
 * reads `arguments`). A stale copy so forwards what its parameters name, not arguments past them:
 * a method that names `arguments` makes V8 create the object at each call, even when the check
 * never forwards, and that kept the objects the method allocates from being removed (1.5x).
 */
function forwardedArguments(fn: Node, source: string): string | null {
  // A method that reads `arguments` has the object anyway, and may take more than it names.
  if (/\barguments\b/.test(source.slice(fn.body.start, fn.body.end))) return null;
  const names: string[] = [];
  for (const [i, param] of (fn.params as Node[]).entries()) {
    if (param.type === 'Identifier') names.push(param.name);
    else if (param.type === 'RestElement' && param.argument.type === 'Identifier' && i === fn.params.length - 1) names.push(`...${param.argument.name}`);
    else return null;
  }
  return names.join(', ');
}

/** `text` as a single-quoted JavaScript string literal (JSON has few quotes of that kind to escape). */
function jsString(text: string): string {
  return `'${text.replace(/[\\'\n\r\u2028\u2029]/g, (c) => (c === '\\' ? '\\\\' : c === "'" ? "\\'" : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}'`;
}

function isRunnableStatement(statement: Node): boolean {
  if (DECLARATIONS.has(statement.type)) return false;
  // A directive ('use strict') is no statement to run or skip.
  return !(statement.type === 'ExpressionStatement' && typeof statement.directive === 'string');
}

/**
 * Identifier positions that need care when rewritten, found in one walk (only
 * for modules that write top-level bindings or name a class inside its body):
 * - `shorthands`: `x` in `({ x } = o)` or `({ x = 1 } = o)`, rewritten as `x: …`;
 * - `privateObjects`: `C` in `C.#secret`, which must stay the implementation.
 */
function findSpecialIdentifiers(root: Node): { shorthands: Set<number>; privateObjects: Set<number> } {
  const shorthands = new Set<number>();
  const privateObjects = new Set<number>();
  new Visitor({
    Property(node: Node) {
      if (!node.shorthand) return;
      const value = node.value?.type === 'AssignmentPattern' ? node.value.left : node.value;
      if (value?.type === 'Identifier') shorthands.add(value.start);
    },
    MemberExpression(node: Node) {
      if (node.property?.type === 'PrivateIdentifier' && node.object?.type === 'Identifier') privateObjects.add(node.object.start);
    },
  }).visit(root);
  return { shorthands, privateObjects };
}
