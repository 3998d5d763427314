// Child of bench/run.js, run under `node --import @hot/loader`: ns per operation
// through hot stand-ins and hot classes vs the same code loaded plain, after 0, 1
// and 100 reloads of the hot module. Prints one JSON line.
import { reload } from '@hot/loader/runtime';
import { nsPerOp, workDir } from './support.js';

const ENTITY = (version) => `export function add(a, b) { return a + b${version ? ` + ${version} * 0` : ''}; }
export class Entity {
  constructor(x) { this.x = x; this.y = 0; this.hp = 100${version ? ` + ${version} * 0` : ''}; }
  step(dt) { this.y += dt; return this.y; }
  get alive() { return this.hp > 0; }
  static make(x) { return new Entity(x); }
}
// No accessor: the copies on its prototype are plain data properties (see runtime/classes.ts, mirror).
export class Mover {
  constructor() { this.x = 0; }
  move(d) { this.x = (this.x + d) & 1023; return this.x${version ? ` + ${version} * 0` : ''}; }
}
export class Vault {
  #gold = 0;
  #fee() { return 0${version ? ` * ${version}` : ''}; }
  deposit(n) { this.#gold += n - this.#fee(); return this.#gold; }
}
export const handlers = { move(p) { return p + 1${version ? ` + ${version} * 0` : ''}; }, fire: (p) => p * 2 };
export const registry = [];
registry.push((x) => x + 1${version ? ` + ${version} * 0` : ''});
function identity(f) { return f; }
export function makeAdder(k) { return identity((x) => x + k${version ? ` + ${version} * 0` : ''}); }
`;

const LOOPS = (from) => `import { add, Entity, Mover, Vault, handlers, registry, makeAdder } from '${from}';
export const make = (n) => Array.from({ length: n }, (_, i) => new Entity(i));
export const vault = () => new Vault();
const mover = new Mover();
const ring = new Array(1024);
// Made once, before any reload: after reloads its calls go through the newest code.
const adder = makeAdder(1);
export const cases = {
  'inline method (object literal)': (n) => { let s = 0; for (let i = 0; i < n; i++) s += handlers.move(i); return s; },
  'inline arrow (registered)': (n) => { let s = 0; const f = registry[0]; for (let i = 0; i < n; i++) s += f(i); return s; },
  'nested closure (made before)': (n) => { let s = 0; for (let i = 0; i < n; i++) s += adder(i); return s; },
  // #private state read and written by a method that calls a private method, on a Vault made
  // before any reload, and on one made this round.
  'private members (old instance)': (n, e, fresh, all, world, vault) => { let s = 0; for (let i = 0; i < n; i++) s += vault.deposit(1); return s; },
  'private members (new instance)': (n) => { const v = new Vault(); let s = 0; for (let i = 0; i < n; i++) s += v.deposit(1); return s; },
  // Instances kept (in a ring), as a game keeps what it makes: no allocation is optimised away.
  'new (private field)': (n) => { let s = 0; for (let i = 0; i < n; i++) { const v = new Vault(); ring[i & 1023] = v; s += v.deposit(1); } return s; },
  'call': (n) => { let s = 0; for (let i = 0; i < n; i++) s += add(i, 1); return s; },
  'method (old instance)': (n, e) => { let s = 0; for (let i = 0; i < n; i++) s += e.step(1); return s; },
  // A call site that ran before the reload, calling a method the reload replaced.
  'method, class without accessors (old call site)': (n) => { let s = 0; for (let i = 0; i < n; i++) s += mover.move(1); return s; },
  'method (new instance)': (n, e, fresh) => { let s = 0; for (let i = 0; i < n; i++) s += fresh.step(1); return s; },
  'getter': (n, e) => { let s = 0; for (let i = 0; i < n; i++) if (e.alive) s++; return s; },
  'new': (n) => { let last; for (let i = 0; i < n; i++) last = new Entity(i); return last.x; },
  'instanceof': (n, e, fresh, all) => { let s = 0; for (let i = 0; i < n; i++) if (all[i & 1023] instanceof Entity) s++; return s; },
  // The instance is kept, as in 'new (private field)': with '.x' read at once and dropped, V8 may
  // remove the allocation altogether (escape analysis) in one variant and not the other, and the
  // row measured that, not a static call (it once showed hot 4.5x faster than plain).
  'static call + new': (n) => { let s = 0; for (let i = 0; i < n; i++) { const e = Entity.make(i); ring[i & 1023] = e; s += e.x; } return s; },
  'tick (3000 entities, 2 methods)': (n, e, fresh, all, world) => { let s = 0; for (let r = 0; r < n / 3000; r++) for (let i = 0; i < world.length; i++) { const w = world[i]; s += w.step(1); if (w.alive) s++; } return s; },
};
`;

const work = workDir();
work.write('hot/entity.js', ENTITY(0));
work.write('plain/entity.js', ENTITY(0));
work.write('plain/loops-hot.js', LOOPS('../hot/entity.js'));
work.write('plain/loops-plain.js', LOOPS('./entity.js'));
const hot = await import(work.url('plain/loops-hot.js'));
const plain = await import(work.url('plain/loops-plain.js'));

const N = 3_000_000;
/** Operations per case run between two reloads (0: reloads back to back). */
const TRAFFIC = Number(process.env.HOT_BENCH_TRAFFIC ?? 300_000);
const state = (loops) => ({ e: loops.make(1)[0], all: loops.make(1024), world: loops.make(3000), vault: loops.vault() });
const hotState = state(hot);
const plainState = state(plain);
let reloads = 0;
const results = [];
for (const target of [0, 1, 100]) {
  while (reloads < target) {
    reloads++;
    work.write('hot/entity.js', ENTITY(reloads));
    const report = await reload(work.path('hot/entity.js'));
    if (!report.ok) throw new Error(JSON.stringify(report.error));
    // The game keeps running between reloads: every call site gets hot again
    // (and V8 re-optimises it) before the next swap, as on a live server.
    if (TRAFFIC) {
      const fresh = hot.make(1)[0];
      for (const name of Object.keys(hot.cases)) hot.cases[name](TRAFFIC, hotState.e, fresh, hotState.all, hotState.world, hotState.vault);
    }
  }
  const freshHot = hot.make(1)[0];
  const freshPlain = plain.make(1)[0];
  for (const name of Object.keys(hot.cases)) {
    const plainNs = nsPerOp((n) => plain.cases[name](n, plainState.e, freshPlain, plainState.all, plainState.world, plainState.vault), N);
    const hotNs = nsPerOp((n) => hot.cases[name](n, hotState.e, freshHot, hotState.all, hotState.world, hotState.vault), N);
    results.push({ reloads: target, name, plainNs, hotNs });
  }
}
console.log(JSON.stringify(results));
