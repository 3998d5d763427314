// Design B: stable class identity ("shell"). One variant per process:
//   node bench/design/b-shell.mjs B1|B2|B3-16|B3-32|B4-16|B4-32
//   B1  impl has no extends, no priming
//   B2  every impl extends one shared Root, no priming
//   B3-k B2 + priming (k reads of a missing property through one IC site)
//   B4-k B3 without Root
// `const Shell = class Player extends Placeholder {}` is created once; each
// reload evaluates a fresh module version of the implementation class, then
//   Object.setPrototypeOf(Shell, ImplN); Object.setPrototypeOf(Shell.prototype, ImplN.prototype)
// Same for a subclass Mage (its own shell; its impl extends the Player shell).
// Baseline: the same classes written plainly, measured in the same process.
import { writeModule, importVersion, loadModule, measure, emit } from './lib.mjs';

const variant = process.argv[2] || 'B3-32';
const useRoot = /^B[23]/.test(variant);
const primeTimes = +(variant.split('-')[1] || 0);
const N = +(process.env.N || 4e6);
const DIAG = process.env.DIAG === '1'; // needs --allow-natives-syntax

const rootHref = writeModule('b_root_' + variant, 'export class Root {}\n');
const shellsHref = writeModule('b_shells_' + variant, `
class Placeholder {}
class PlaceholderM {}
export const Player = class Player extends Placeholder {};
export const Mage = class Mage extends PlaceholderM {};
`);
const body = (self) => `
  constructor(x, y, hp) { ${useRoot ? 'super(); ' : ''}this.x = x; this.y = y; this.hp = hp; this.name = 'p' }
  move(dx) { this.x += dx; return this.x }
  hit(d) { this.hp -= d; return this.hp }
  dist() { return (this.x > 0 ? this.x : -this.x) + (this.y > 0 ? this.y : -this.y) }
  get alive() { return this.hp > 0 }
  version() { return VER }
  static mk(x) { return x + 1 }
  static make(x) { return new ${self}(x, 0, 100) }
`;
const mageBody = `
  constructor(x, y, hp) { super(x, y, hp); this.mana = 10 }
  hit(d) { return super.hit(d) - 1 }
  cast() { return this.mana }
`;
const playerImplHref = writeModule('b_player_' + variant, `
${useRoot ? `import { Root } from '${rootHref}';` : ''}
import { Player as Shell } from '${shellsHref}';
const VER = +new URL(import.meta.url).searchParams.get('v');
export default class Player ${useRoot ? 'extends Root ' : ''}{${body('Shell')}}
`);
const mageImplHref = writeModule('b_mage_' + variant, `
import { Player } from '${shellsHref}';
export default class Mage extends Player {${mageBody}}
`);
const shells = await import(shellsHref);
const PlayerShell = shells.Player, MageShell = shells.Mage;

// plain classes: same bodies, no shell, never reloaded
const plainHref = writeModule('b_plain_' + variant, `
const VER = 0;
export class Player {${body('Player').replace('super(); ', '')}}
export class Mage extends Player {${mageBody}}
`);
const plain = await import(plainHref);

// loops: one function literal per (case, family) so each has its own feedback
const cases = {
  new: (P) => `const r = []; let s = 0; for (let i = 0; i < n; i++) { r[i & 1023] = new ${P}(i, 1, 100) } return r.length`,
  instanceof: (P) => `let s = 0; for (let i = 0; i < n; i++) { if (mixP[i & 1023] instanceof ${P}) s++ } return s`,
  'method:old': () => `let s = 0; for (let i = 0; i < n; i++) s = (s + oldP[i & 1023].dist()) | 0; return s`,
  'method:new': () => `let s = 0; for (let i = 0; i < n; i++) s = (s + newP[i & 1023].dist()) | 0; return s`,
  'getter:old': () => `let s = 0; for (let i = 0; i < n; i++) if (oldP[i & 1023].alive) s++; return s`,
  'getter:new': () => `let s = 0; for (let i = 0; i < n; i++) if (newP[i & 1023].alive) s++; return s`,
  'static': (P) => `let s = 0; for (let i = 0; i < n; i++) s = (s + ${P}.mk(i & 1023)) | 0; return s`,
  'mage:new': (P, M) => `const r = []; for (let i = 0; i < n; i++) { r[i & 1023] = new ${M}(i, 1, 100) } return r.length`,
  'mage:super:old': () => `let s = 0; for (let i = 0; i < n; i++) s = (s + oldM[i & 1023].hit(0)) | 0; return s`,
  'mage:super:new': () => `let s = 0; for (let i = 0; i < n; i++) s = (s + newM[i & 1023].hit(0)) | 0; return s`,
  'tick3000/entity': () => `let s = 0, j = 0; for (let i = 0; i < n; i++) { const e = ents[j]; s = (s + e.move(1) + e.hit(0)) | 0; if (++j === 3000) j = 0 } return s`,
};
function familySrc(tag) {
  return `
let oldP, newP, mixP, oldM, newM, ents;
export function make(P, M, phase) {
  const ps = [], ms = [];
  for (let i = 0; i < 1024; i++) { ps.push(new P(i, 2, 100)); ms.push(new M(i, 2, 100)) }
  if (phase === 0) { oldP = ps; oldM = ms }
  newP = ps; newM = ms;
  mixP = ps.map((p, i) => (i & 1 ? p : oldP[i]));
  ents = [];
  for (let i = 0; i < 3000; i++) {
    const old = i < 1500, k = i % 3 === 2;
    ents.push(k ? (old ? oldM : newM)[i & 1023] : (old ? oldP : newP)[i & 1023]);
  }
}
${Object.entries(cases).map(([c, f], i) => `export function c${i}(n) { ${f('P_', 'M_')} }`).join('\n')}
`;
}
const plainLoops = await loadModule('b_loops_plain_' + variant,
  `import { Player as P_, Mage as M_ } from '${plainHref}';\n` + familySrc());
const shellLoops = await loadModule('b_loops_shell_' + variant,
  `import { Player as P_, Mage as M_ } from '${shellsHref}';\n` + familySrc());

function prime(o) {
  // one IC site reading a missing property through a throw-away object whose [[Prototype]] is o
  const t = Object.create(o);
  for (let i = 0; i < primeTimes; i++) if (t.__hotPrimeMissing__ !== undefined) throw new Error();
}
let version = 0;
async function reload() {
  version++;
  const PI = (await importVersion(playerImplHref, version)).default;
  const MI = (await importVersion(mageImplHref, version)).default;
  if (primeTimes) { prime(PI); prime(PI.prototype); prime(MI); prime(MI.prototype) }
  Object.setPrototypeOf(PlayerShell, PI); Object.setPrototypeOf(PlayerShell.prototype, PI.prototype);
  Object.setPrototypeOf(MageShell, MI); Object.setPrototypeOf(MageShell.prototype, MI.prototype);
  if (DIAG) diag(PI, MI);
}
function diag(PI, MI) {
  const f = (o) => eval('%HasFastProperties(o)') ? 'fast' : 'DICT';
  const o = new PlayerShell(1, 2, 3), m = new MageShell(1, 2, 3), q = new plain.Player(1, 2, 3);
  console.error(`v${version} PI:${f(PI)} PI.proto:${f(PI.prototype)} MI:${f(MI)} MI.proto:${f(MI.prototype)} Shell:${f(PlayerShell)} Shell.proto:${f(PlayerShell.prototype)}` +
    ` sameMapAsFirst:${firstObj ? eval('%HaveSameMap(o, firstObj)') : '-'} mageSameMap:${firstMage ? eval('%HaveSameMap(m, firstMage)') : '-'}`);
  firstObj ||= o; firstMage ||= m;
}
let firstObj, firstMage;

function check() {
  const o = new PlayerShell(1, 2, 3), m = new MageShell(1, 2, 3);
  const ok = o instanceof PlayerShell && m instanceof PlayerShell && m instanceof MageShell &&
    o.version() === version && m.version() === version && o.dist() === 3 && m.hit(1) === 1 &&
    o.alive && PlayerShell.make(5) instanceof PlayerShell && m.cast() === 10 && MageShell.mk(1) === 2;
  if (!ok) throw new Error('shell semantics broken at version ' + version);
}

const names = Object.keys(cases);
// HOT=1: run every loop (plain and shell) between reloads, as a live server would,
// so each reload hits optimised code (deopt + re-optimisation every time)
const HOT = process.env.HOT === '1';
function traffic() {
  plainLoops.make(plain.Player, plain.Mage, 1); shellLoops.make(PlayerShell, MageShell, 1);
  for (let i = 0; i < names.length; i++) { plainLoops['c' + i](1e5); shellLoops['c' + i](1e5) }
}
async function phase(ph) {
  check();
  plainLoops.make(plain.Player, plain.Mage, ph);
  shellLoops.make(PlayerShell, MageShell, ph);
  for (let i = 0; i < names.length; i++) {
    const n = names[i] === 'new' || names[i] === 'mage:new' ? N / 2 : N;
    const r = measure({ plain: plainLoops['c' + i], shell: shellLoops['c' + i] }, n, 5);
    emit('B', variant, ph, { [names[i] + ':plain']: r.plain, [names[i] + ':shell']: r.shell, [names[i] + ':ratio']: r.shell / r.plain });
  }
}
await reload();            // version 1 attached at load: "0 reloads"
await phase(0);
await reload();
await phase(1);
while (version < 101) { await reload(); if (HOT) traffic() }
await phase(100);
