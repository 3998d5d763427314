// Design A: function stand-ins. One variant per process:
//   node bench/design/a-standins.mjs A1|A2|A3|A4|A5
// Each variant is emitted as its own function literal in its own temp module,
// reading a module-local `const cell = { t: impl }`. Baseline (direct call of
// the same function, never swapped) is measured in the same process, interleaved.
// Phases: 0 swaps, 1 swap, 100 swaps (each new impl comes from a freshly
// evaluated module version, so closures and SharedFunctionInfos are new).
import { loadModule, writeModule, importVersion, measure, emit } from './lib.mjs';

const variant = process.argv[2] || 'A1';
const N = +(process.env.N || 2e7);

const standins = {
  A1: {
    add: 'function add(...a) { return cell.t.apply(this, a) }',
    getX: 'function getX(...a) { return cell2.t.apply(this, a) }',
  },
  A2: {
    add: 'function add(...a) { return new.target ? Reflect.construct(cell.t, a, new.target) : cell.t.apply(this, a) }',
    getX: 'function getX(...a) { return new.target ? Reflect.construct(cell2.t, a, new.target) : cell2.t.apply(this, a) }',
  },
  A3: {
    add: 'const add = ({ add(...a) { return cell.t.apply(this, a) } }).add',
    getX: 'const getX = ({ getX(...a) { return cell2.t.apply(this, a) } }).getX',
  },
  A4: {
    add: 'const add = (...a) => cell.t(...a)',
    getX: null, // an arrow cannot forward `this`
  },
  A5: {
    add: 'function add(a, b) { return cell.t.call(this, a, b) }',
    getX: 'function getX(d) { return cell2.t.call(this, d) }',
  },
  // A6/A7: same stand-ins as A1/A5, but the cell holds its target on its
  // [[Prototype]] ({ t }) and a swap replaces that prototype with a fresh
  // holder instead of writing cell.t (the field never loses constness).
  A6: {
    add: 'function add(...a) { return cell.t.apply(this, a) }',
    getX: 'function getX(...a) { return cell2.t.apply(this, a) }',
    protoCell: true,
  },
  A7: {
    add: 'function add(a, b) { return cell.t.call(this, a, b) }',
    getX: 'function getX(d) { return cell2.t.call(this, d) }',
    protoCell: true,
  },
  A8: { // A2 (new.target aware) with a prototype-holder cell
    add: 'function add(...a) { return new.target ? Reflect.construct(cell.t, a, new.target) : cell.t.apply(this, a) }',
    getX: 'function getX(...a) { return new.target ? Reflect.construct(cell2.t, a, new.target) : cell2.t.apply(this, a) }',
    protoCell: true,
  },
};
const s = standins[variant];
if (!s) throw new Error('unknown variant ' + variant);

const src = `
function add$0(a, b) { return a + b }
function getX$0(d) { return this.x + d }
${s.protoCell ? `const cell = Object.create({ t: add$0 });
const cell2 = Object.create({ t: getX$0 });` : `const cell = { t: add$0 };
const cell2 = { t: getX$0 };`}
${s.add}
${s.getX || 'const getX = getX$0'}
function addD(a, b) { return a + b }
function getXD(d) { return this.x + d }
const oS = { x: 1, getX };
const oD = { x: 1, y: 0, getX: getXD };
export function loopS(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + add(i & 1023, 1)) | 0; return s }
export function loopD(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + addD(i & 1023, 1)) | 0; return s }
export function loopTS(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + oS.getX(i & 1023)) | 0; return s }
export function loopTD(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + oD.getX(i & 1023)) | 0; return s }
${s.protoCell
  ? 'export function swap(f, g) { Object.setPrototypeOf(cell, { t: f }); Object.setPrototypeOf(cell2, { t: g }) }'
  : 'export function swap(f, g) { cell.t = f; cell2.t = g }'}
// floor: a plain call through a swapped cell, no forwarding (not a valid stand-in)
const fcell = { t: add$0 };
export function loopF(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + fcell.t(i & 1023, 1)) | 0; return s }
export function swapF(f) { fcell.t = f }
export function check() { return add(2, 3) === 5 && oS.getX(1) === 2 }
`;
const m = await loadModule('a_' + variant, src);
const implHref = writeModule('a_impl_' + variant,
  'export function add(a, b) { return a + b }\nexport function getX(d) { return this.x + d }\n');

const loops = { direct: m.loopD, standin: m.loopS, 'floor:cell.t()': m.loopF, 'this:direct': m.loopTD };
if (s.getX) loops['this:standin'] = m.loopTS;

if (!m.check()) throw new Error('bad result');
emit('A', variant, 0, measure(loops, N));
let v = 1;
// HOT=1: run the stand-in hot between swaps (each swap then hits optimised code)
const HOT = process.env.HOT === '1';
async function reload() {
  const x = await importVersion(implHref, v++); m.swap(x.add, x.getX); m.swapF(x.add);
  if (HOT) { m.loopS(3e5); if (s.getX) m.loopTS(3e5); }
}
// cost of the first 2e5 calls right after a swap (deopt + re-optimisation)
function firstAfterSwap() {
  const t0 = process.hrtime.bigint(); m.loopS(2e5);
  return Number(process.hrtime.bigint() - t0) / 2e5;
}
await reload();
emit('A', variant, 1, { 'standin:first2e5': firstAfterSwap() });
if (!m.check()) throw new Error('bad result');
emit('A', variant, 1, measure(loops, N));
while (v < 100) await reload();
await reload();
emit('A', variant, 100, { 'standin:first2e5': firstAfterSwap() });
if (!m.check()) throw new Error('bad result');
emit('A', variant, 100, measure(loops, N));

// correctness: optimised stand-ins must run a new target at once
{
  const x = await loadModule('a_sub_' + variant, 'export function add(a, b) { return a - b }\nexport function getX(d) { return this.x - d }\n');
  m.swap(x.add, x.getX);
  let want = 0; for (let i = 0; i < 1000; i++) want = (want + ((i & 1023) - 1)) | 0;
  if (m.loopS(1000) !== want) throw new Error('stand-in ran stale code after swap');
  if (s.getX) { let w2 = 0; for (let i = 0; i < 1000; i++) w2 = (w2 + (1 - (i & 1023))) | 0; if (m.loopTS(1000) !== w2) throw new Error('this-stand-in ran stale code'); }
}
