// Design E: where `#private` state lives so every version's code reads the same state on old
// and new instances (results/e-keepers.md; B is what runtime/privates.ts does). One process,
// loops interleaved:
//   node bench/design/e-keepers.mjs
// The class under test has two private fields (#gold, #xp) and a private method (#bonus);
// `deposit(n)` reads and writes both and calls the method. Instances are made through a
// shell (as the loader does: shell -> latest implementation -> base).
//   P0  plain `#private` (the baseline)
//   K   a keeper class per private name, chained under the implementation
//       (Root <- Kgold <- Kxp <- Kbonus <- impl); accesses call the keeper's static g/s
//   Kv  K after a "reload": instances of two implementations over the same keepers
//   Kc  K where the getter checks the brand first (`#v in o ? o.#v : miss(o)`), so a miss
//       can name the member and stamp old instances with a field added later
//   B   one keeper holding a per-instance object with all private state (`#p = {gold, xp}`)
import { measure, emit } from './lib.mjs';

const N = +(process.env.N || 2e7);

class Root {}
class Placeholder {}

function shellOf(impl) {
  const shell = class Player extends Placeholder {};
  Object.setPrototypeOf(shell, impl);
  Object.setPrototypeOf(shell.prototype, impl.prototype);
  return shell;
}

function plain() {
  return class Player {
    #gold = 0; #xp = 0;
    #bonus(n) { return n > 100 ? 1 : 0; }
    deposit(n) { this.#gold += n + this.#bonus(n); this.#xp++; return this.#gold; }
  };
}

// What the runtime would make once per (class, private name).
function keeper(Base, slot) {
  return class extends Base {
    #v = slot.init === undefined ? undefined : slot.init.call(this);
    static g(o) { return o.#v; }
    static s(o, v) { return (o.#v = v); }
    static h(o) { return #v in o; }
  };
}
function checkedKeeper(Base, slot, name) {
  const miss = (o) => { throw new TypeError(`Cannot read private member ${name} from an object whose class did not declare it`); };
  return class extends Base {
    #v = slot.init === undefined ? undefined : slot.init.call(this);
    static g(o) { return #v in o ? o.#v : miss(o); }
    static s(o, v) { if (#v in o) return (o.#v = v); return miss(o); }
  };
}
function brandKeeper(Base, slot) {
  return class extends Base {
    #v;
    static m(o) { o.#v; return slot.fn; }
  };
}

function keeperVersion(Kg, Kx, Kb, top) {
  return class Player extends top {
    deposit(n) { Kg.s(this, Kg.g(this) + n + Kb.m(this).call(this, n)); Kx.s(this, Kx.g(this) + 1); return Kg.g(this); }
  };
}
const zero = { init: function () { return 0; } };
const bonus = { fn: function (n) { return n > 100 ? 1 : 0; } };
const Kg = keeper(Root, zero);
const Kx = keeper(Kg, zero);
const Kb = brandKeeper(Kx, bonus);
const implA = keeperVersion(Kg, Kx, Kb, Kb);
const shellK = shellOf(implA);

const Cg = checkedKeeper(Root, zero, '#gold');
const Cx = checkedKeeper(Cg, zero, '#xp');
const Cb = brandKeeper(Cx, bonus);
const shellC = shellOf(keeperVersion(Cg, Cx, Cb, Cb));

// Kv: a second implementation over the same keepers, instances of both at one site.
const Kg2 = keeper(Root, zero);
const Kx2 = keeper(Kg2, zero);
const Kb2 = brandKeeper(Kx2, bonus);
const shellV = shellOf(keeperVersion(Kg2, Kx2, Kb2, Kb2));
const oldV = Array.from({ length: 32 }, () => new shellV());
const implV2 = keeperVersion(Kg2, Kx2, Kb2, Kb2);
Object.setPrototypeOf(shellV, implV2);
Object.setPrototypeOf(shellV.prototype, implV2.prototype);

function bagKeeper(Base) {
  return class extends Base {
    #p = { gold: 0, xp: 0 };
    static p(o) { return o.#p; }
  };
}
const Kp = bagKeeper(Root);
const shellB = shellOf(class Player extends Kp {
  deposit(n) { const p = Kp.p(this); p.gold += n + bonus.fn.call(this, n); p.xp++; return p.gold; }
});

const Plain = plain();
const make = (C, k = 64) => Array.from({ length: k }, () => new C());
const p0 = make(Plain);
const k = make(shellK);
const kv = [...oldV, ...make(shellV, 32)];
const kc = make(shellC);
const b = make(shellB);
// One function literal per case: a shared one would share its call-site feedback.
emit('e-keepers', process.version, 'access', measure({
  P0: (n) => { let s = 0; for (let i = 0; i < n; i++) s = p0[i & 63].deposit(1); return s; },
  K: (n) => { let s = 0; for (let i = 0; i < n; i++) s = k[i & 63].deposit(1); return s; },
  Kv: (n) => { let s = 0; for (let i = 0; i < n; i++) s = kv[i & 63].deposit(1); return s; },
  Kc: (n) => { let s = 0; for (let i = 0; i < n; i++) s = kc[i & 63].deposit(1); return s; },
  B: (n) => { let s = 0; for (let i = 0; i < n; i++) s = b[i & 63].deposit(1); return s; },
}, N));
let keep;
emit('e-keepers', process.version, 'new', measure({
  P0: (n) => { for (let i = 0; i < n; i++) keep = new Plain(); return 0; },
  K: (n) => { for (let i = 0; i < n; i++) keep = new shellK(); return 0; },
  Kc: (n) => { for (let i = 0; i < n; i++) keep = new shellC(); return 0; },
  B: (n) => { for (let i = 0; i < n; i++) keep = new shellB(); return 0; },
}, N / 10));
