// The transform's own scope analysis (transform/scope.ts) against the maintained analyzer
// it replaced, @typescript-eslint/scope-manager (kept as a dev dependency for this test):
// on every ES module and TypeScript file in node_modules and on TypeScript samples, both
// must find the same module bindings, the same references to them (read, write, init)
// and the same references a class body makes to the class's own name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { corpusFiles } from './support/corpus.js';
import { readFileSync } from 'node:fs';
import { parseSync, Visitor } from 'oxc-parser';
import { analyze } from '@typescript-eslint/scope-manager';
import { analyzeModule } from '../dist/transform/scope.js';

const parse = (source, lang) => parseSync(`module.${lang}`, source, { lang, sourceType: 'module', range: true, astType: 'ts', preserveParens: false });
const flags = (ref) => `${ref.read ? 'R' : ''}${ref.write ? 'W' : ''}${ref.init ? 'I' : ''}`;

/** Both analyses of one module, as comparable lines. */
function compare(program) {
  const ours = analyzeModule(program);
  const manager = analyze(program, { sourceType: 'module', lib: [] });
  const moduleScope = manager.globalScope.childScopes.find((scope) => scope.type === 'module');
  // `declare const x` and `import type { X }` (also when re-exported) have no value at run time.
  const ambient = (def) => def.parent?.declare === true || def.node?.declare === true || def.parent?.importKind === 'type' || def.node?.importKind === 'type';
  const theirs = new Map(moduleScope.variables.filter((v) => v.isValueVariable && !(v.defs.length && v.defs.every(ambient))).map((v) => [v.name, v]));
  const lines = { ours: [], theirs: [] };
  const classes = [];
  const typeQueries = [];
  new Visitor({
    ClassDeclaration: (node) => classes.push(node),
    ClassExpression: (node) => classes.push(node),
    TSTypeQuery: (node) => typeQueries.push(node),
  }).visit(program);
  // `typeof x` in a type reads no value at run time: scope-manager counts it, the transform need not.
  const inTypeQuery = (ref) => typeQueries.some((query) => ref.identifier.start >= query.start && ref.identifier.end <= query.end);
  for (const [name, variable] of ours.variables) {
    for (const ref of variable.references) lines.ours.push(`${name}@${ref.identifier.start} ${flags(ref)}`);
    if (variable.references.length) lines.ours.push(`${name} declared`);
  }
  for (const [name, variable] of theirs) {
    for (const ref of variable.references) {
      if (!ref.isValueReference || inTypeQuery(ref)) continue;
      lines.theirs.push(`${name}@${ref.identifier.start} ${flags({ read: ref.isRead(), write: ref.isWrite(), init: ref.init === true && ref.isWrite() })}`);
    }
    // Type-only imports and ambient declarations have no value references; the transform needs only the others.
    if (variable.references.some((ref) => ref.isValueReference && !inTypeQuery(ref))) lines.theirs.push(`${name} declared`);
  }

  for (const node of classes) {
    if (!node.id) continue;
    for (const ref of ours.classSelfReferences(node)) lines.ours.push(`class ${node.id.name}@${ref.identifier.start}`);
    const scope = manager.acquire(node, true);
    const inner = scope?.type === 'class' ? scope.variables.find((v) => v.name === node.id.name) : undefined;
    for (const ref of inner?.references ?? []) if (ref.isValueReference) lines.theirs.push(`class ${node.id.name}@${ref.identifier.start}`);
  }
  return { ours: [...new Set(lines.ours)].sort(), theirs: [...new Set(lines.theirs)].sort() };
}

const SAMPLES = [
  ['js', `import a, { b as c } from 'x'; import * as ns from 'y';
export let score = 0; var v; const o = { score, [v]: 1, m() { return score; } };
score += 1; score++; --score; [score, v] = [1, 2]; ({ score, v = 2 } = o); for (score of []) {} for (v in o) {}
function f(score) { score = 2; return v; } const g = (x = score) => { let score; score = x; };
class A extends c { static s = A; x = A; m() { return A; } static { A.s = 1; } } const B = class Inner { m() { return Inner; } };
label: for (;;) { break label; } try { f(); } catch ({ message }) { v = message; } finally { v = 1; }
export { v as w, ns }; export default score; switch (v) { case 1: let z = score; z = 2; }
if (a) { function hoisted() { return a; } hoisted(); } var later = () => notYet; var notYet = 1;`],
  ['ts', `import type { T } from 'types'; import { type U, value } from 'mod';
interface I { score: number } type Alias = typeof score; declare const ambient: number;
export let score: number = 0; (score as number) = 1; (score!) += 2; (<number>score)++; score satisfies number;
enum Color { Red = 1, Green = Red + 1 } namespace NS { export const inner = score; } declare module 'm' { const q: 1; }
export class P<Gen extends T> implements I { constructor(private readonly x: U, public y = score) {} score = 1;
  m(this: P<Gen>, a: T): Alias { return P.name as unknown as Alias; } abstract?: () => void; }
abstract class Q { abstract m(): void; n() { return Q; } } function over(a: string): void; function over(a: any) { return value; }
export = value; import X = NS.inner; const gen = <G,>(g: G): G => g; const call = gen<number>(1);
@dec class D { @dec m() { return D; } } function dec(...a: unknown[]) { return a as any; } export { X, Color, D };`],
];

test('the same bindings and references as @typescript-eslint/scope-manager on JavaScript and TypeScript samples', () => {
  for (const [lang, source] of SAMPLES) {
    const parsed = parse(source, lang);
    assert.equal(parsed.errors.map((e) => e.message), [], `the ${lang} sample parses`);
    const { ours, theirs } = compare(parsed.program);
    assert.equal(ours, theirs, `${lang} sample`);
  }
});

test('the same bindings and references as @typescript-eslint/scope-manager on every module in node_modules', () => {
  const files = corpusFiles();
  let compared = 0;
  const mismatches = [];
  for (const file of files) {
    const lang = /\.m?ts$/.test(file) ? 'ts' : 'js';
    const parsed = parse(readFileSync(file, 'utf8'), lang);
    if (parsed.errors.length || !parsed.module.hasModuleSyntax) continue;
    const { ours, theirs } = compare(parsed.program);
    const onlyOurs = ours.filter((line) => !theirs.includes(line));
    const onlyTheirs = theirs.filter((line) => !ours.includes(line));
    if (onlyOurs.length || onlyTheirs.length) mismatches.push(`${file}\n  only ours: ${onlyOurs.slice(0, 5).join(', ')}\n  only scope-manager: ${onlyTheirs.slice(0, 5).join(', ')}`);
    compared++;
  }
  assert.ok(compared > 100, `only ${compared} modules found`);
  assert.equal(mismatches.slice(0, 10), [], `${mismatches.length} of ${compared} modules differ`);
});

test.run();
