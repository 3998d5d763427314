// Design D: where `#private` state could live so every version's methods read it on
// instances of every version, at what cost per access. One process, the loops interleaved:
//   node bench/design/d-private.mjs
//   P0  plain: `#gold` read and written by a method (the baseline)
//   P0v the same after a "reload": instances of two class evaluations (two brands) mixed at
//       one call site, the way old and new instances meet after a reload today
//   P1  a WeakMap per private name, shared by the versions: map.get(this) / map.set(this, v)
//   P2  a symbol-keyed own property per private name, shared by the versions (non-enumerable,
//       defined in the constructor): this[GOLD]
//   P2v P2 with instances of two class evaluations mixed, as P0v
//   P3  a class field with the symbol as its computed key (`[GOLD] = 0`): enumerable
// Each loop runs `deposit(1)` n times over 64 instances and returns the last balance; then
// `new` is measured for P0, P1 and P2.
import { measure, emit } from './lib.mjs';

const N = +(process.env.N || 2e7);

function classes() {
  class Plain { #gold = 0; deposit(n) { this.#gold += n; return this.#gold; } }
  const map = new WeakMap();
  class Mapped { constructor() { map.set(this, 0); } deposit(n) { const v = map.get(this) + n; map.set(this, v); return v; } }
  return { Plain, Mapped };
}
const GOLD = Symbol('#gold');
function symbolClass() {
  return class Symbolic {
    constructor() { Object.defineProperty(this, GOLD, { value: 0, writable: true, enumerable: false, configurable: false }); }
    deposit(n) { this[GOLD] += n; return this[GOLD]; }
  };
}

/** P3: a class field with the symbol as computed key: fast to make, but enumerable (spread copies it). */
function symbolFieldClass() {
  return class SymbolField { [GOLD] = 0; deposit(n) { this[GOLD] += n; return this[GOLD]; } };
}

const a = classes();
const b = classes(); // a second evaluation: new brands, as a reload makes
const SymA = symbolClass();
const SymB = symbolClass();
// One method for both evaluations, as the shell's latest method is for old and new instances.
SymB.prototype.deposit = SymA.prototype.deposit;

const make = (C, k = 64) => Array.from({ length: k }, () => new C());
const plain = make(a.Plain);
const mixed = [...make(a.Plain, 32), ...make(b.Plain, 32)];
const mapped = make(a.Mapped);
const sym = make(SymA);
const symMixed = [...make(SymA, 32), ...make(SymB, 32)];
const SymField = symbolFieldClass();
const symField = make(SymField);
// One function literal per case: a shared one would share its call-site feedback.
emit('d-private', process.version, 'access', measure({
  P0: (n) => { let s = 0; for (let i = 0; i < n; i++) s = plain[i & 63].deposit(1); return s; },
  P0v: (n) => { let s = 0; for (let i = 0; i < n; i++) s = mixed[i & 63].deposit(1); return s; },
  P1: (n) => { let s = 0; for (let i = 0; i < n; i++) s = mapped[i & 63].deposit(1); return s; },
  P2: (n) => { let s = 0; for (let i = 0; i < n; i++) s = sym[i & 63].deposit(1); return s; },
  P2v: (n) => { let s = 0; for (let i = 0; i < n; i++) s = symMixed[i & 63].deposit(1); return s; },
  P3: (n) => { let s = 0; for (let i = 0; i < n; i++) s = symField[i & 63].deposit(1); return s; },
}, N));
// What the constructor pays for each: `new` with one private field.
let keep;
emit('d-private', process.version, 'new', measure({
  P0: (n) => { for (let i = 0; i < n; i++) keep = new a.Plain(); return 0; },
  P1: (n) => { for (let i = 0; i < n; i++) keep = new a.Mapped(); return 0; },
  P2: (n) => { for (let i = 0; i < n; i++) keep = new SymA(); return 0; },
  P3: (n) => { for (let i = 0; i < n; i++) keep = new SymField(); return 0; },
}, N / 10));
