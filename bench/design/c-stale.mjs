// Design C: copied-method staleness. One variant per process:
//   node bench/design/c-stale.mjs C0|C1|C1p|C2|C3a|C3b|C3c
// The class uses the shell of design B (impls extend one shared Root, primed,
// [[Prototype]] of Shell and Shell.prototype swapped on reload).
//   C1   version check at the top of each method, stale branch calls a helper:
//        fire(a) { if (K.v !== V) return K.stale('fire', this, arguments); ...body }
//        K = module-local const object (one per module, shared by all versions), K.v bumped on reload.
//   C1p  C1, but K holds `v` on its [[Prototype]] and a reload swaps that holder
//        (K.v stays a constant the optimiser can fold, as in design A6).
//   C2   C1 with the stale branch inline: return Reflect.apply(Shell.prototype.fire, this, arguments)
//   C3a  no check; own stand-ins on Shell.prototype forward to the latest method
//        through a cell whose field is written on reload (design A3 shape).
//   C3b  C3a with prototype-holder cells (design A6 shape).
//   C0   reference: the shell alone, no check, no stand-ins (copies go stale).
// Baseline: the same class written plainly, in the same process.
import { writeModule, loadModule, measure, emit } from './lib.mjs';

const variant = process.argv[2] || 'C1';
const N = +(process.env.N || 1e7);
const PRIME = 32;
const check = variant.startsWith('C1') || variant === 'C2';
const protoK = variant === 'C1p';
const standins = variant.startsWith('C3');
const protoCells = variant === 'C3b' || variant === 'C3c';
const fixedArity = variant === 'C3c'; // C3c: C3b with fixed-arity stand-ins: fire(a) { return cell.t.call(this, a) }

const rootHref = writeModule('c_root_' + variant, 'export class Root {}\n');
const shellsHref = writeModule('c_shells_' + variant, `
class Placeholder {}
export const Player = class Player extends Placeholder {};
export const K = ${protoK ? 'Object.create({ v: 1 })' : '{ v: 1 }'};
K.stale = function stale(name, self, args) { return Reflect.apply(Player.prototype[name], self, args) };
export function bump(v) { ${protoK ? 'Object.setPrototypeOf(K, { v })' : 'K.v = v'} }
${standins ? `
const fire$cell = ${protoCells ? 'Object.create({ t: null })' : '{ t: null }'};
const aim$cell = ${protoCells ? 'Object.create({ t: null })' : '{ t: null }'};
${fixedArity ? `const fire = ({ fire(a) { return fire$cell.t.call(this, a) } }).fire;
const aim = ({ aim(a) { return aim$cell.t.call(this, a) } }).aim;` : `const fire = ({ fire(...a) { return fire$cell.t.apply(this, a) } }).fire;
const aim = ({ aim(...a) { return aim$cell.t.apply(this, a) } }).aim;`}
Object.defineProperty(fire, 'length', { value: 1 });
Object.defineProperty(aim, 'length', { value: 1 });
Object.defineProperty(Player.prototype, 'fire', { value: fire, writable: true, configurable: true });
Object.defineProperty(Player.prototype, 'aim', { value: aim, writable: true, configurable: true });
export function setMethods(p) {
  ${protoCells
    ? 'Object.setPrototypeOf(fire$cell, { t: p.fire }); Object.setPrototypeOf(aim$cell, { t: p.aim })'
    : 'fire$cell.t = p.fire; aim$cell.t = p.aim'}
}` : 'export function setMethods() {}'}
`);
const guard = (name) => !check ? '' : variant === 'C2'
  ? `if (K.v !== V) return Reflect.apply(Shell.prototype.${name}, this, arguments); `
  : `if (K.v !== V) return K.stale('${name}', this, arguments); `;
const implSrc = (ver) => `
import { Root } from '${rootHref}';
import { Player as Shell, K } from '${shellsHref}';
const V = ${ver};
export default class Player extends Root {
  constructor(hp) { super(); this.hp = hp; this.shots = 0; this.x = 1 }
  fire(a) { ${guard('fire')}this.shots = (this.shots + a) & 1023; return this.shots + ${ver} }
  aim(a) { ${guard('aim')}return this.x + a }
  version() { return ${ver} }
}
`;
const plainHref = writeModule('c_plain_' + variant, `
export class Player {
  constructor(hp) { this.hp = hp; this.shots = 0; this.x = 1 }
  fire(a) { this.shots = (this.shots + a) & 1023; return this.shots + 1 }
  aim(a) { return this.x + a }
}
`);
const loopsSrc = (P) => `
import { Player as P } from '${P}';
let arr, copy, bound;
export function make(phase) {
  const ps = [];
  for (let i = 0; i < 1024; i++) ps.push(new P(100));
  if (phase === 0) { arr = ps; copy = P.prototype.fire; bound = ps[0].fire.bind(ps[0]) }
  else arr = arr.map((o, i) => (i & 1 ? ps[i] : o)); // half old, half new instances
}
export function call(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + arr[i & 1023].fire(1)) | 0; return s }
export function copyCall(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + copy.call(arr[i & 1023], 1)) | 0; return s }
export function boundCall(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + bound(1)) | 0; return s }
export function peek(o) { return copy.call(o, 0) }
`;
const shells = await import(shellsHref);
const Shell = shells.Player;
const plainLoops = await loadModule('c_loops_plain_' + variant, loopsSrc(plainHref));
const shellLoops = await loadModule('c_loops_shell_' + variant, loopsSrc(shellsHref));

function prime(o) {
  const t = Object.create(o);
  for (let i = 0; i < PRIME; i++) if (t.__hotPrimeMissing__ !== undefined) throw new Error();
}
let version = 0;
async function reload() {
  version++;
  const PI = (await loadModule('c_impl_' + variant + '_' + version, implSrc(version))).default;
  prime(PI); prime(PI.prototype);
  Object.setPrototypeOf(Shell, PI); Object.setPrototypeOf(Shell.prototype, PI.prototype);
  shells.setMethods(PI.prototype);
  shells.bump(version); // only after the shell points at the new version (else: stale -> itself -> loop)
}
function verify() {
  const o = new Shell(1);
  if (variant === 'C0') return;
  // a copy taken at version 1 must run the latest code: fire returns shots + version
  if (shellLoops.peek(o) !== version || o.fire(0) !== version || o.version() !== version) {
    throw new Error(`stale code ran at version ${version}`);
  }
}

async function phase(ph) {
  plainLoops.make(ph); shellLoops.make(ph);
  verify();
  for (const c of ['call', 'copyCall', 'boundCall']) {
    const r = measure({ plain: plainLoops[c], v: shellLoops[c] }, N, 5);
    emit('C', variant, ph, { [c + ':plain']: r.plain, [c + ':' + variant]: r.v, [c + ':ratio']: r.v / r.plain });
  }
}
await reload();
await phase(0);
await reload();
await phase(1);
// HOT=1: run the loops between reloads, as a live server would
const HOT = process.env.HOT === '1';
while (version < 101) {
  await reload();
  if (HOT) for (const c of ['call', 'copyCall', 'boundCall']) { plainLoops[c](1e5); shellLoops[c](1e5) }
}
await phase(100);
