// Transform unit tests: bindings, write rewriting, pragmas, source maps, errors, cache.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { corpusFiles } from './support/corpus.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TraceMap, originalPositionFor, generatedPositionFor } from '@jridgewell/trace-mapping';
import { parseSync } from 'oxc-parser';
import MagicString from 'magic-string';
import { decode } from '@jridgewell/sourcemap-codec';
import { transform, HotError } from '@hot/loader/transform';
import { TransformCache } from '../dist/loader/cache.js';
import { removeSessionMaps } from '../dist/loader/maps.js';

const URL_JS = 'file:///game/combat.js';
const bindingsOf = (source, url = URL_JS) => Object.fromEntries(transform(source, url).bindings.map((b) => [b.name, b]));

test('finds every kind of top-level binding', () => {
  const b = bindingsOf(`
    import { x } from './x.js';
    function f() {}
    async function af() {}
    function* gf() {}
    class C {}
    const k = 1, arrow = () => 1, fe = function () {}, ce = class {};
    let l; var v = 2;
    const { a, b: [c, ...d], e = 5, ...rest } = x;
    export { k as kay, l };
    export * from './y.js';
    export { z } from './z.js';
  `);
  assert.equal(Object.keys(b).sort(), ['C', 'a', 'af', 'arrow', 'c', 'ce', 'd', 'e', 'f', 'fe', 'gf', 'k', 'l', 'rest', 'v']);
  assert.equal([b.f.kind, b.af.shape, b.gf.shape, b.C.kind, b.arrow.shape, b.fe.kind, b.ce.kind, b.k.kind, b.l.kind], ['function', 'async', 'generator', 'class', 'arrow', 'function', 'class', 'data', 'data']);
  assert.equal(b.k.exported, ['kay']);
  assert.equal(b.l.exported, ['l']);
  assert.is(b.a.group, b.rest.group);
  assert.is.not(b.a.group, undefined);
  assert.is(b.x, undefined, 'imports are not cells');
});

test('export default of every form', () => {
  const forms = {
    'export default function () {}': ['default', 'function'],
    'export default function named() {}': ['named', 'function'],
    'export default class {}': ['default', 'class'],
    'export default class Named {}': ['Named', 'class'],
    'export default () => 1': ['default', 'function'],
    'export default { a: 1 }': ['default', 'data'],
    'export default 40 + 2;': ['default', 'data'],
  };
  for (const [source, [name, kind]] of Object.entries(forms)) {
    const [binding] = transform(source, URL_JS).bindings;
    assert.equal([binding.name, binding.kind, binding.exported], [name, kind, ['default']], source);
  }
});

test('rewrites every write to a top-level binding, and no shadowed one', () => {
  const { code } = transform(`
    let score = 0;
    let other = 1;
    export function play(n) {
      score += n;
      score++;
      --score;
      [score, other] = [1, 2];
      ({ score, x: other = 3 } = { score: 4 });
      for (score of [1]);
      for (other in {});
      score ??= 1;
    }
    function shadow(score) { score = 5; { let other; other = 2; } }
    const f = () => { let score; score = 1; };
  `, URL_JS);
  const body = code.slice(code.indexOf('export function play'));
  assert.match(body, '__hot_W.score += n');
  assert.match(body, '__hot_W.score++');
  assert.match(body, '--__hot_W.score');
  assert.match(body, '[__hot_W.score, __hot_W.other] = [1, 2]');
  assert.match(body, '({ score: __hot_W.score, x: __hot_W.other = 3 } = { score: 4 })');
  assert.match(body, 'for (__hot_W.score of [1])');
  assert.match(body, 'for (__hot_W.other in {})');
  assert.match(body, '__hot_W.score ??= 1');
  assert.match(body, 'function shadow(score) { score = 5; { let other; other = 2; } }');
  assert.match(body, 'let score; score = 1;');
});

test('a write to a const throws as the language does', () => {
  const { code } = transform('const limit = 1;\nexport function bump() { limit = 2; }', URL_JS);
  assert.match(code, 'set limit(v) { __hot.constWrite("limit") }');
});

test('data initializers record the same-module names they read', () => {
  const b = bindingsOf('const BASE = 1;\nfunction f() {}\nconst DOUBLE = BASE * 2 + f();\nconst OTHER = Math.max(1, 2);');
  assert.equal(b.DOUBLE.reads.sort(), ['BASE', 'f']);
  assert.equal(b.OTHER.reads, []);
  assert.is.not(b.BASE.fingerprint, bindingsOf('const BASE = 2;').BASE.fingerprint);
  assert.is(bindingsOf('const  X = {a:1}').X.fingerprint, bindingsOf('const X = {a:1}').X.fingerprint, 'only the initializer counts');
});

test('pragmas: before a declaration, at the top of a file, and not across a blank line', () => {
  const b = bindingsOf(`// @hot replace-data

// @hot keep-data
export const kept = {};
/* @hot replace-data */
const replaced = {};
// @hot keep-data

const separated = {};
class K {
  // @hot keep-data
  static tuning = { a: 1 };
  static plain = 1;
}
`);
  assert.is(b.kept.pragma, 'keep');
  assert.is(b.replaced.pragma, 'replace');
  assert.is(b.separated.pragma, undefined);
  assert.equal(b.K.statics.map((s) => [s.name, s.pragma]), [['tuning', 'keep'], ['plain', undefined]]);
  assert.is(transform('// @hot replace-data\n\nconst a = 1;', URL_JS).meta.pragma, 'replace');
  assert.is(transform('// @hot replace-data\nconst a = 1;', URL_JS).meta.pragma, undefined);
});

test('keeps every line where it was; the source map points at the original line and column', () => {
  const source = [
    "import { helper } from './helper.js';",
    'export const players = new Map();',
    'let score = 0;',
    'export function fire(x) {',
    '  score += x;',
    '  return helper(x) + MARK_FIVE;',
    '}',
    'export class Player extends Object {',
    '  static count = 0;',
    '  hit() { return MARK_TEN; }',
    '}',
    'const { a, b } = { a: 1, b: 2 }; const MARK_TWELVE = 1;',
  ].join('\n');
  const { code, map } = transform(source, URL_JS);
  const lines = code.split('\n');
  for (const [marker, line] of [['MARK_FIVE', 6], ['MARK_TEN', 10], ['MARK_TWELVE', 12]]) {
    assert.ok(lines[line - 1].includes(marker), `${marker} stays on line ${line}: ${lines[line - 1]}`);
    const column = lines[line - 1].indexOf(marker);
    const original = originalPositionFor(new TraceMap(map), { line, column });
    assert.equal([original.line, original.column], [line, source.split('\n')[line - 1].indexOf(marker)], marker);
  }
  // Line 1 carries the prologue: its columns move, the map moves them back.
  const importColumn = lines[0].indexOf('import { helper }');
  assert.ok(importColumn > 0);
  const original = originalPositionFor(new TraceMap(map), { line: 1, column: importColumn });
  assert.equal([original.line, original.column], [1, 0]);
  assert.ok(generatedPositionFor(new TraceMap(map), { source: URL_JS, line: 2, column: 13 }).line === 2);
  assert.match(code, /\/\/# sourceMappingURL=data:application\/json;base64,/);
});

test('TypeScript: types, interfaces and generics; type-only declarations are not cells', () => {
  const source = `
    import type { Thing } from './thing.js';
    interface Options { speed: number }
    type Id = string;
    declare const ambient: number;
    export const defaults: Options = { speed: 1 } satisfies Options;
    export function make<T extends Thing>(value: T, id: Id = 'x'): T { return value as T; }
    export class Box<T> { constructor(public readonly value?: T) {} get size(): number { return 1; } }
    let counter: number = 0;
    export const inc = (): number => counter++;
    export function casts(): void { (counter as number) += 1; counter! += 2; (<number>counter) -= 3; }
    function shadowed(counter: number): void { counter += 1; }
  `;
  const result = transform(source, 'file:///game/box.ts');
  const names = result.bindings.map((b) => b.name);
  assert.equal(names, ['defaults', 'make', 'Box', 'counter', 'inc', 'casts', 'shadowed']);
  assert.match(result.code, 'interface Options { speed: number }');
  assert.match(result.code, '__hot_W.counter++');
  assert.match(result.code, '(__hot_W.counter as number) += 1; __hot_W.counter! += 2; (<number>__hot_W.counter) -= 3;');
  assert.match(result.code, 'function shadowed(counter: number): void { counter += 1; }');
  assert.match(result.code, 'let defaults: Options = __hot.d(0)');
});

test('a syntax error is a HotError with file:line:col', () => {
  try {
    transform('const ok = 1;\nconst broken = ;\n', URL_JS);
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, HotError);
    assert.is(error.code, 'ERR_HOT_PARSE');
    assert.equal([error.file, error.line, error.column], ['/game/combat.js', 2, 16]);
    assert.match(error.message, /^\/game\/combat\.js:2:16: /);
  }
});

test('a module that declares a reserved __hot name is refused with its position', () => {
  try {
    transform('\nconst __hot_thing = 1;', URL_JS);
    assert.unreachable('should throw');
  } catch (error) {
    assert.is(error.code, 'ERR_HOT_TRANSFORM');
    assert.equal([error.line, error.column], [2, 7]);
  }
});

test('minified code: statements with no space between them stay valid', () => {
  const source = 'class A{m(){return A}}class B{}const b=()=>1;let c=2;export default class{};var d=c++;function e(){}export{A,B,b,c,d,e};';
  const { code } = transform(source, URL_JS);
  const result = parseSync('out.js', code, { sourceType: 'module' });
  assert.equal(result.errors.map((e) => e.message), []);
});

test('an inline function named by a reserved word (commonmark.js: `continue: function (…) {…}`) gets a stand-in that parses and has its name', async () => {
  const { code } = transform('export const blocks = { continue: function () { return 1; }, finally() { return 2; }, eval: () => 3 };', URL_JS, { inlineSourceMap: false });
  assert.match(code, '{ continue: function (...a) {');
  assert.equal(parseSync('out.js', code, { sourceType: 'module' }).errors.map((e) => e.message), [], 'the output is valid JavaScript');
  assert.not.match(code, /function (continue|finally|eval)\b/);
});

test('a module that awaits at its top level: its functions become stand-ins when its evaluation ends, and it calls them directly until then', () => {
  const { code, meta } = transform('await ready();\nexport let n = 0;\nexport function bump() { n++; return twice(n); }\nfunction twice(x) { return x * 2; }\nbump();\n', URL_JS, { inlineSourceMap: false });
  assert.is(meta.topLevelAwait, true);
  assert.ok(code.endsWith('try { bump(); ;} finally { __hot.e() }\n\n;bump = __hot.fn(1, bump); twice = __hot.fn(2, twice);\n'), code.slice(-200));
  assert.not.match(code, '(0, __hot_K', 'own calls go to the declarations');
  assert.is(transform('export function f() { return 1; }\nf();', URL_JS).meta.topLevelAwait, undefined);
  assert.is(transform('export async function f() { await 1; }', URL_JS).meta.topLevelAwait, undefined, 'an await inside a function is not at the top level');
});

test('in a version a reload loads, a let or var that code assigns and a data const are imported from shared binding modules', () => {
  const { code, bindings } = transform('export let tick = 0;\nlet hidden;\nexport var a = 1, b;\nexport const K = 1;\nlet { x } = {};\nlet never = 2;\nexport function step() { tick++; hidden = tick; a = 2; return a + b + K + x + never; }\n', 'file:///game/c.js?hot=3', { inlineSourceMap: false, sharedBindings: true });
  assert.match(code, 'import { v as tick, s as __hot_B0 } from "file:///game/c.js?hot-binding=tick";', 'the version query is not part of the shared URL');
  assert.match(code, 'let __hot_L0 = __hot.d(0) ? __hot.s(0, (0)) : __hot.g(0); export { tick };', 'the declaration keeps a dummy name; the export re-exports the import');
  assert.match(code, 'var __hot_L2 = __hot.d(2) ? __hot.s(2, (1)) : __hot.g(2), __hot_L3 = __hot.d(3) ? __hot.s(3, void 0) : __hot.g(3); export { a, b };', 'a declaration is shared whole');
  assert.match(code, 'case 0: __hot_B0(__hot_v); break;');
  assert.match(code, '__hot_W.tick++; __hot_W.hidden = tick;', 'writes go through the runtime as before');
  assert.match(code, 'let never = __hot.d(6)', 'a binding only a reload replaces stays a local');
  assert.equal(bindings.map((b) => [b.name, !!b.shared]), [['tick', true], ['hidden', true], ['a', true], ['b', true], ['K', true], ['x', false], ['never', false], ['step', false]], 'a const a reload may replace is shared too; a let nothing assigns and a pattern are not');
  assert.equal(parseSync('out.js', code, { sourceType: 'module' }).errors.map((e) => e.message), []);
  assert.not.match(transform('export let tick = 0; export function step() { tick++; }', 'file:///game/c.js').code, 'hot-binding', 'a first load keeps its own locals');
});

test('export default without a semicolon, abstract classes', () => {
  for (const [source, lang] of [['const x = 1\nexport default x', 'js'], ['export abstract class Shape { abstract area(): number; describe() { return 1; } }', 'ts']]) {
    const { code } = transform(source, lang === 'ts' ? 'file:///m.ts' : URL_JS);
    assert.equal(parseSync(`out.${lang}`, code, { sourceType: 'module' }).errors.map((e) => e.message), [], source);
  }
});

test('every ES module in node_modules transforms into code that parses, as a first load and as a reload', () => {
  const files = corpusFiles();
  let transformed = 0;
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const lang = /\.m?ts$/.test(file) ? 'ts' : 'js';
    const before = parseSync(file, source, { sourceType: 'module', lang });
    if (before.errors.length || !before.module.hasModuleSyntax || source.includes('__hot')) continue;
    // As a first load, and as a version a reload loads (shared bindings imported).
    for (const sharedBindings of [false, true]) {
      const { code } = transform(source, pathToFileURL(file).href, { typescript: lang === 'ts', inlineSourceMap: false, sharedBindings });
      const after = parseSync(file, code, { sourceType: 'module', lang });
      assert.equal(after.errors.map((e) => e.message), [], `${file}${sharedBindings ? ' (reload)' : ''}`);
    }
    transformed++;
  }
  assert.ok(transformed > 100, `only ${transformed} modules found`);
});

test("the source map has magic-string's boundary segments less those at spaces and tabs, for every ES module in node_modules", () => {
  // transform/mappings.ts writes the mappings from magic-string's chunks. The edits of each real
  // transform are caught as the transform turns them into code, and magic-string's own map of
  // them is the reference.
  const outputs = [];
  const { toString } = MagicString.prototype;
  MagicString.prototype.toString = function () {
    outputs.push(this);
    return toString.call(this);
  };
  let compared = 0;
  let segments = 0;
  let dropped = 0;
  try {
    for (const file of corpusFiles()) {
      const source = readFileSync(file, 'utf8');
      const lang = /\.m?ts$/.test(file) ? 'ts' : 'js';
      // A file with a map of its own gets the two chained (tested elsewhere).
      if (lang === 'ts' || source.includes('__hot') || /[#@] sourceMappingURL=/.test(source) || !parseSync(file, source, { sourceType: 'module', lang }).module.hasModuleSyntax) continue;
      outputs.length = 0;
      const url = pathToFileURL(file).href;
      let result;
      try {
        result = transform(source, url, { inlineSourceMap: false });
      } catch {
        continue; // what the transform refuses (tested elsewhere)
      }
      const output = outputs.find((o) => o.original === source);
      const lines = result.code.split('\n');
      const reference = decode(output.generateMap({ source: url, includeContent: false, hires: 'boundary' }).mappings);
      const kept = reference.map((line, l) => line.filter(([column]) => lines[l][column] !== ' ' && lines[l][column] !== '\t'));
      assert.equal(decode(result.map.mappings), kept, file);
      assert.equal(result.map.sources, [url]);
      segments += reference.flat().length;
      dropped += reference.flat().length - kept.flat().length;
      compared++;
    }
  } finally {
    MagicString.prototype.toString = toString;
  }
  assert.ok(compared > 100, `only ${compared} modules compared`);
  assert.ok(dropped > segments / 10, `${dropped} of ${segments} segments were at whitespace`);
});

test('top-level statements that are not declarations: wrapped for the statement rule, with their text, reads and pragmas', () => {
  const { code, meta } = transform(`'use strict';
import { bus } from './bus.js';
export let level = 1;
bus.on('x', () => level);
// @hot once
app.listen(3000)
for (const k of []) {}
export { level as lvl };
`, URL_JS);
  assert.equal(meta.statements.map(({ reads, line, pragma }) => ({ reads, line, pragma })), [
    // `level` is read when the inline arrow is called, not when the statement runs.
    { reads: ['bus'], line: 4, pragma: undefined },
    { reads: [], line: 6, pragma: 'once' },
    { reads: [], line: 7, pragma: undefined },
  ]);
  assert.is(new Set(meta.statements.map((s) => s.fingerprint)).size, 3);
  assert.match(code, "__hot.il(0, () => level); if (__hot.r(0)) try { bus.on('x', __hot_J0.s); ;} finally { __hot.e() }");
  assert.match(code, 'if (__hot.r(1)) try { app.listen(3000) ;} finally { __hot.e() }');
  assert.not.match(code, "if (__hot.r(3))");
  assert.ok(code.includes("'use strict';"), 'a directive is left alone');
  const top = transform('// @hot rerun\n\nfoo();\n', URL_JS).meta;
  assert.is(top.statementPragma, 'rerun');
});

test('a hashbang stays on the first line', () => {
  const { code } = transform('#!/usr/bin/env node\nexport const a = 1;', URL_JS);
  assert.ok(code.startsWith('#!/usr/bin/env node\n'));
});

test('class members: version checks in methods and accessors, static data follows the rules, self-references mean the stable class', () => {
  const { code, bindings, meta } = transform(`export class P {
  static made = 0;
  static #secret = 1;
  static create() { P.made++; return new P(); }
  static peek() { return P.#secret; }
  get hp() { return 1; }
  set hp(v) {}
  *ids() { yield 1; }
  #hidden() {}
}`, URL_JS);
  assert.match(code, 'static made = __hot.sf(0, 0) ? (0) : __hot.sk(0, 0)');
  assert.match(code, 'P.made++'.replace('P', '__hot_S0'));
  assert.match(code, 'return new __hot_S0()');
  assert.match(code, 'return __hot_P0.q(__hot_S0, "#secret")["#secret"]', 'static private state lives in the keeper, reached through the stable class');
  assert.match(code, 'static { __hot.pq(0, 0, () => (1)) }', 'a static private field keeps its place, by the data rules');
  // Compact checks: the member by its number in the module's table, the parameters by name.
  assert.match(code, 'static create() { if (__hot_T.s && __hot.q(0, this)) return __hot.x;');
  assert.match(code, 'get hp() { if (__hot_T.s && __hot.q(2, this)) return __hot.x;');
  assert.match(code, 'set hp(v) { if (__hot_T.s && __hot.q(3, this, v)) return __hot.x;');
  assert.equal(meta.members, [[0, 'create', 1], [0, 'peek', 1], [0, 'hp', 2], [0, 'hp', 4]]);
  assert.match(code, 'return yield* __hot.stale(__hot_K0, this, [], "ids", 0)');
  assert.match(code, '__hot_P0_0 = __hot_P0.y("#hidden")');
  assert.match(code, '[__hot_P0_0]() {}', 'a private method is keyed by the keeper\'s symbol');
  assert.not.match(code, '#hidden()');
  assert.equal(bindings[0].privateStatics, [{ name: '#secret', fingerprint: bindings[0].privateStatics[0].fingerprint }]);
  assert.is(bindings[0].privateNative, undefined);
});

test('version checks hand on parameters by name, or arguments when they must', () => {
  const { code } = transform(`export class A {
  plain(a, b) { return a + b; }
  rest(a, ...more) { return more; }
  pattern({ x }, y = 1) { return x + y; }
  reads(a) { return arguments.length; }
}`, URL_JS);
  assert.match(code, 'plain(a, b) { if (__hot_T.s && __hot.q(0, this, a, b)) return __hot.x;');
  assert.match(code, 'rest(a, ...more) { if (__hot_T.s && __hot.q(1, this, a, ...more)) return __hot.x;');
  assert.match(code, 'pattern({ x }, y = 1) { if (__hot_T.s && __hot.qa(2, this, arguments)) return __hot.x;');
  assert.match(code, 'reads(a) { if (__hot_T.s && __hot.qa(3, this, arguments)) return __hot.x;');
});

test('a base class takes the initialiser form unless its constructor needs the other', () => {
  const forms = (source) => {
    const { code } = transform(source, URL_JS);
    return code.includes('extends __hot.Root') ? 'root' : code.includes('[__hot_I](') ? 'init' : 'other';
  };
  assert.is(forms('export class A { constructor(x, y = 0) { this.x = x; } }'), 'init');
  assert.is(forms('export class A { m() {} }'), 'init');
  assert.is(forms('export class A { x = 1; }'), 'root', 'an instance field');
  assert.is(forms('export class A { #x; }'), 'root', 'a #private member');
  assert.is(forms('export class A { constructor(...a) { this.a = a; } }'), 'root', 'a rest parameter');
  assert.is(forms('export class A { constructor() { this.n = arguments.length; } }'), 'root', 'arguments');
  assert.is(forms('export class A { constructor() { this.t = new.target; } }'), 'root', 'new.target');
  assert.is(forms('export class A { constructor(a, b, c, d, e, f, g, h, i) { this.i = i; } }'), 'root', 'more than eight parameters');
  assert.is(forms('export default class { constructor() {} }'), 'root', 'no name of its own');
  const { code } = transform('export class A { constructor(x, y = 0) { this.x = x; } }', URL_JS);
  const eight = '__hot_I0, __hot_I1, __hot_I2, __hot_I3, __hot_I4, __hot_I5, __hot_I6, __hot_I7';
  assert.match(code, `__hot_K0 = __hot.cell(0, class A { constructor(${eight}) { return __hot_K0.t.call(this, ${eight}) } })`);
  assert.match(code, 'class A { static { __hot.attach(0, this) } constructor(__hot_I0) { return A.prototype[__hot_I].apply(this, arguments) }');
  assert.match(code, '[__hot_I](x, y = 0) { this.x = x; }');
});

test('#private members: every form of access is rewritten to the keeper, fields are stamped where plain code initialises them', () => {
  const { code } = transform(`export class Vault extends Base {
  #gold = 10;
  #cb = () => this.#gold;
  #empty;
  name = () => 1;
  get #rich() { return this.#gold > 100; }
  deposit(n) { this.#gold += n; this.#gold++; [this.#gold] = [n]; return this.#rich ? this.#bonus(n) : this.#gold; }
  #bonus(n) { return n + (this.#gold ??= 0); }
  has(o) { return #gold in o && o?.#gold > 0 && o?.#bonus(1); }
  nested() { return class { #gold = 'own'; read() { return this.#gold; } }; }
}
export class Plain { #n = 0; inc() { return ++this.#n; } }
export class Derived extends Plain { #m; constructor() { if (1) super(); } }
export class Bare extends Plain { #m = 1; }`, URL_JS);
  assert.match(code, 'static { __hot.pi(0, function () { return { "#empty": void 0, "#gold": (10), "#cb": (() => __hot_P0.p(this, "#gold")["#gold"]), }; }) }');
  assert.match(code, 'name = (__hot_P0.st(this), { "name": () => 1 }["name"])', 'the first public field stamps, and its function keeps its name');
  assert.match(code, '__hot_P0.p(this, "#gold")["#gold"] += n; __hot_P0.p(this, "#gold")["#gold"]++; [__hot_P0.p(this, "#gold")["#gold"]] = [n];');
  assert.match(code, '__hot_P0.b(this, "#rich")[__hot_P0_0] ? __hot_P0.b(this, "#bonus")[__hot_P0_1](n)');
  assert.match(code, '__hot_P0.h(  o, "#gold") && __hot_P0.p(o, "#gold", 1)?.["#gold"] > 0 && __hot_P0.b(o, "#bonus", 1)?.[__hot_P0_1](1)');
  assert.match(code, "class { #gold = 'own'; read() { return this.#gold; } }", 'a class written inside keeps its own private names');
  assert.match(code, 'constructor() { super(); __hot_P1.st(this); }', 'a base class without fields stamps in its constructor');
  assert.match(code, 'if (1) __hot_P2.st(super())', 'a derived constructor stamps what super() returns');
  assert.match(code, 'constructor(...__hot_a) { __hot_P3.st(super(...__hot_a)); }');
  assert.equal(code.match(/#(gold|cb|empty|rich|bonus|n|m)\b(?!")/g), ['#gold', '#gold'], 'no private name of a hot class is left, only the inner class\'s');

});

test('the transform cache: memory, then disk for a second start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hot-cache-'));
  try {
    const first = new TransformCache('test');
    const source = 'export const a = 1;';
    const cold = first.transform(source, URL_JS, { typescript: false, directory: dir });
    // A cold transform waits for no file: the process that made it compiles it with its map
    // inline, while the map and the entry are written in the background.
    assert.match(cold, '\n//# sourceMappingURL=data:application/json;base64,');
    assert.is(first.transform(source, URL_JS, { typescript: false, directory: dir }), cold, 'until they are written, memory hits get the same');
    assert.equal(first.stats, { memoryHits: 1, diskHits: 0, misses: 1 });
    await first.idle();
    assert.equal(readdirSync(dir).map((f) => f.slice(-3)).sort(), ['.js', 'map']);
    const code = first.transform(source, URL_JS, { typescript: false, directory: dir });
    assert.is(code.split('\n//# sourceMappingURL=')[0], cold.split('\n//# sourceMappingURL=')[0]);
    const second = new TransformCache('test');
    const fromDisk = second.transform(source, URL_JS, { typescript: false, directory: dir });
    assert.equal(second.stats, { memoryHits: 0, diskHits: 1, misses: 0 });
    // Once written, no map is inline (V8 would keep it with the module's source for the life of
    // the process): the entry names the map file beside it, and memory hits get the entry too.
    assert.is(fromDisk, code);
    assert.not.match(code, 'data:application/json');
    const inlineMap = JSON.parse(Buffer.from(cold.split('base64,')[1], 'base64').toString());
    const [, mapUrl] = fromDisk.split('\n//# sourceMappingURL=');
    // A path, resolved against the module's URL the way Node resolves it (Node ignores a `file:` URL here).
    assert.not.match(mapUrl, /^\w+:/, 'no scheme');
    const map = JSON.parse(readFileSync(fileURLToPath(new URL(mapUrl.trim(), pathToFileURL(join(dir, 'module.js')))), 'utf8'));
    assert.equal(map.sources, [URL_JS]);
    assert.ok(map.mappings.length > 0);
    assert.equal(map, inlineMap, 'the map on disk is the one the cold process had inline');
    second.transform(source + '\n', URL_JS, { typescript: false, directory: dir });
    assert.is(second.stats.misses, 1, 'new content is a miss');
    const other = new TransformCache('another version');
    other.transform(source, URL_JS, { typescript: false, directory: dir });
    assert.is(other.stats.misses, 1, 'another package version does not reuse entries');
    const keep = new TransformCache('test');
    const kept = keep.transform(source, URL_JS, { typescript: false, directory: dir, data: 'keep' });
    assert.is(keep.stats.misses, 1, 'another project data default does not reuse entries');
    assert.match(kept, '"project":"keep"');
    await keep.idle();
    const memory = new TransformCache('test');
    memory.transform('export const b = 2;', URL_JS, { typescript: false, directory: null });
    await Promise.all([second.idle(), other.idle(), memory.idle()]);
    assert.is(readdirSync(dir).filter((f) => f.endsWith('.js')).length, 4, 'directory null keeps it in memory only');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reload of a source a start loaded is kept on disk; an edit in between is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hot-cache-'));
  try {
    const source = 'export let a = 1;';
    const edit = 'export let a = 2;';
    const first = new TransformCache('test');
    // An edit never loaded by a start: memory only, its map in the process's own directory.
    const edited = first.transform(edit, URL_JS, { typescript: false, directory: dir, sharedBindings: true });
    assert.ok(edited.split('\n//# sourceMappingURL=')[1].trim().startsWith(join(tmpdir(), 'hot-loader-maps-')));
    first.transform(source, URL_JS, { typescript: false, directory: dir });
    await first.idle();
    assert.is(readdirSync(dir).length, 2, 'the first load and its map only');
    // The same source as a reload's version (reloadAll(), hot check): on disk, beside its map.
    const reloaded = first.transform(source, URL_JS, { typescript: false, directory: dir, sharedBindings: true });
    await first.idle();
    assert.is(readdirSync(dir).length, 4);
    assert.ok(reloaded.split('\n//# sourceMappingURL=')[1].trim().startsWith(dir), 'it names the map beside it');
    assert.not.match(reloaded, 'data:application/json', 'never inline: a reload version lives as long as the process');
    const second = new TransformCache('test');
    assert.is(second.transform(source, URL_JS, { typescript: false, directory: dir, sharedBindings: true }), reloaded);
    assert.equal(second.stats, { memoryHits: 0, diskHits: 1, misses: 0 }, 'the next start reads it');
    removeSessionMaps();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a version with no disk entry (a reload) names a map in a directory of the process, removed at exit', () => {
  const cache = new TransformCache('test');
  const code = cache.transform('export const b = 2;', URL_JS, { typescript: false, directory: null, sharedBindings: true });
  const mapPath = code.split('\n//# sourceMappingURL=')[1].trim();
  assert.ok(mapPath.startsWith(join(tmpdir(), `hot-loader-maps-${process.pid}-`)), mapPath);
  assert.equal(JSON.parse(readFileSync(mapPath, 'utf8')).sources, [URL_JS]);
  assert.is(statSync(dirname(mapPath)).mode & 0o777, 0o700, 'only this user can read or replace it');
  // A temp cleaner removed it while the process ran: the next map makes it again.
  rmSync(dirname(mapPath), { recursive: true, force: true });
  const next = cache.transform('export const b = 3;', URL_JS, { typescript: false, directory: null, sharedBindings: true });
  const nextPath = next.split('\n//# sourceMappingURL=')[1].trim();
  assert.ok(existsSync(nextPath), nextPath);
  assert.is(statSync(dirname(nextPath)).mode & 0o777, 0o700);
  removeSessionMaps();
  assert.not.ok(existsSync(dirname(nextPath)));
  assert.not.ok(existsSync(dirname(mapPath)));
});

test('the memory cache keeps the most recently used code within its limit', () => {
  const sources = [1, 2, 3, 4].map((n) => `export const a${n} = ${n};`);
  const length = new TransformCache('test').transform(sources[0], URL_JS, { typescript: false, directory: null }).length;
  const cache = new TransformCache('test', true, Math.floor(length * 3.5));
  for (const source of sources) cache.transform(source, URL_JS, { typescript: false, directory: null });
  assert.is(cache.stats.misses, 4);
  cache.transform(sources[3], URL_JS, { typescript: false, directory: null });
  assert.is(cache.stats.memoryHits, 1, 'the newest is kept');
  cache.transform(sources[0], URL_JS, { typescript: false, directory: null });
  assert.is(cache.stats.misses, 5, 'the oldest was dropped');
  removeSessionMaps();
});

test.run();
