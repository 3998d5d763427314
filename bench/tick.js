// A steering tick in the shape game code takes (issue #13), hot against plain in the same process:
//   vec.js     a Vec class whose methods allocate through the class's own name (`new Vec`)
//   entity.js  an Entity holding Vecs, with a getter; a Seeker subclass whose update() steers
//              and calls super.update()
//   tick.js    the loop: every entity updates, `instanceof Seeker` picks who seeks
// Each module is written twice: under bench/.work/<pid>/hot (hot) and .../plain (not hot).
// Then Vec is replaced 100 times, with live traffic between: the hot copy by reload(), the
// plain copy by the floor of any code swap in plain Node, a raw patch of every method on
// Vec.prototype (a new function object each time, as an eval'd fix would install).
//
// Run as `node --import @hot/loader bench/tick.js` (bench/run.js does); prints one JSON line:
// ns per entity update, medians of ROUNDS timed runs, hot and plain interleaved.
import { reload } from '@hot/loader/runtime';
import { median, workDir } from './support.js';

const ENTITIES = 2000;
const TICKS = 200;
const ROUNDS = Number(process.env.HOT_BENCH_ROUNDS ?? 9);
const RELOADS = 100;
/** Entity updates run between two reloads: call sites get hot again, as on a live server. */
const TRAFFIC_TICKS = 20;

/** The Vec module; `edit` changes a constant in one method body, as a fix would. */
const VEC = (edit) => `export class Vec {
  constructor(x = 0, y = 0) { this.x = x; this.y = y; }
  add(other) { return new Vec(this.x + other.x, this.y + other.y); }
  sub(other) { return new Vec(this.x - other.x, this.y - other.y); }
  scale(k) { return new Vec(this.x * k, this.y * k); }
  get length() { return Math.sqrt(this.x * this.x + this.y * this.y)${edit ? ` + ${edit} * 0` : ''}; }
  limit(max) { const l = this.length; return l > max ? this.scale(max / l) : this; }
  static zero() { return new Vec(0, 0); }
}
`;

const ENTITY = `import { Vec } from './vec.js';
export class Entity {
  constructor(x, y) { this.pos = new Vec(x, y); this.vel = Vec.zero(); this.energy = 100; }
  get alive() { return this.energy > 0; }
  update(dt) { this.pos = this.pos.add(this.vel.scale(dt)); this.energy -= dt * 0.001; }
}
export class Seeker extends Entity {
  constructor(x, y, target) { super(x, y); this.target = target; }
  update(dt) {
    const desired = this.target.sub(this.pos).limit(4);
    this.vel = this.vel.add(desired.sub(this.vel).scale(0.1)).limit(4);
    super.update(dt);
  }
}
`;

const TICK = `import { Vec } from './vec.js';
import { Entity, Seeker } from './entity.js';
export function makeWorld(n) {
  const target = new Vec(500, 500);
  return Array.from({ length: n }, (_, i) => (i % 4 === 0 ? new Entity(i % 1000, i >> 3) : new Seeker(i % 1000, i >> 3, target)));
}
export function tick(world, dt) {
  let seekers = 0;
  for (let i = 0; i < world.length; i++) {
    const entity = world[i];
    if (!entity.alive) continue;
    if (entity instanceof Seeker) seekers++;
    entity.update(dt);
  }
  return seekers;
}
// The timing loop lives here, one copy per side: a loop shared by both would share its
// feedback, and V8 would inline one side's tick and not the other's.
export function run(world, ticks, dt) {
  let seekers = 0;
  for (let t = 0; t < ticks; t++) seekers += tick(world, dt);
  return seekers;
}
`;

/**
 * The tick in parts, one loop each. The loops are not hot (under plain/), one copy importing the
 * hot modules and one the plain ones: each copy keeps its own feedback, as the tick's do.
 */
const PARTS = (dir) => `import { Vec } from '${dir}/vec.js';
import { Entity, Seeker } from '${dir}/entity.js';
const target = new Vec(500, 500);
const vs = Array.from({ length: 2000 }, (_, i) => new Vec(i, 1));
const entities = Array.from({ length: 2000 }, (_, i) => new Entity(i, i));
const seekers = Array.from({ length: 2000 }, (_, i) => new Seeker(i, i, target));
const mixed = [...entities.slice(0, 500), ...seekers.slice(0, 1500)];
export const parts = {
  'v.add(v.scale(0.5)).x (temporaries only)': () => { let s = 0; for (const v of vs) s += v.add(v.scale(0.5)).x; return s; },
  'v.limit(3) (a getter, then scale)': () => { let s = 0; for (const v of vs) s += v.limit(3).x; return s; },
  'entity.update(dt) (base class, Vec fields)': () => { for (const e of entities) e.update(0.016); return 1; },
  'seeker.update(dt) (subclass, super.update)': () => { for (const e of seekers) e.update(0.016); return 1; },
  'e.alive && e instanceof Seeker': () => { let s = 0; for (const e of mixed) if (e.alive && e instanceof Seeker) s++; return s; },
};
`;

const work = workDir();
for (const side of ['hot', 'plain']) {
  work.write(`${side}/tick/vec.js`, VEC(0));
  work.write(`${side}/tick/entity.js`, ENTITY);
  work.write(`${side}/tick/tick.js`, TICK);
}
work.write('plain/tick/parts.js', PARTS('.'));
work.write('plain/tick/parts-hot.js', PARTS('../../hot/tick'));
const hot = await import(work.url('hot/tick/tick.js'));
const plain = await import(work.url('plain/tick/tick.js'));
const { Vec: PlainVec } = await import(work.url('plain/tick/vec.js'));
const hotWorld = hot.makeWorld(ENTITIES);
const plainWorld = plain.makeWorld(ENTITIES);

/** ns per entity update over TICKS ticks. */
function time(side, world) {
  const start = process.hrtime.bigint();
  const seekers = side.run(world, TICKS, 0.016);
  const ns = Number(process.hrtime.bigint() - start) / (TICKS * ENTITIES);
  if (seekers === 0) throw new Error('the tick did nothing');
  return ns;
}

function measure() {
  const pairs = [];
  time(plain, plainWorld);
  time(hot, hotWorld);
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate who goes first: drift in the machine's speed hits both alike.
    if (r % 2) {
      const p = time(plain, plainWorld);
      pairs.push({ plain: p, hot: time(hot, hotWorld) });
    } else {
      const h = time(hot, hotWorld);
      pairs.push({ plain: time(plain, plainWorld), hot: h });
    }
  }
  return { plain: median(pairs.map((x) => x.plain)), hot: median(pairs.map((x) => x.hot)), ratio: median(pairs.map((x) => x.hot / x.plain)) };
}

const before = measure();

/** Each part, hot against plain: ns per element, 5 interleaved rounds of 300 loops, median ratio. */
const { parts: plainParts } = await import(work.url('plain/tick/parts.js'));
const { parts: hotParts } = await import(work.url('plain/tick/parts-hot.js'));
const timeLoop = (run) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < 300; i++) run();
  return Number(process.hrtime.bigint() - start) / 300 / 2000;
};
const parts = Object.keys(plainParts).map((name) => {
  for (let i = 0; i < 200; i++) {
    plainParts[name]();
    hotParts[name]();
  }
  const rounds = Array.from({ length: 5 }, () => {
    const plainNs = timeLoop(plainParts[name]);
    const hotNs = timeLoop(hotParts[name]);
    return { plainNs, hotNs };
  });
  return { name, plain: median(rounds.map((r) => r.plainNs)), hot: median(rounds.map((r) => r.hotNs)), ratio: median(rounds.map((r) => r.hotNs / r.plainNs)) };
});

/** The floor of a code swap in plain Node: every method of Vec.prototype replaced by a new function. */
function rawPatch(edit) {
  // Renamed, so that `new Vec` in the new methods still makes the one class every instance has.
  const fresh = new Function('Vec', VEC(edit).replace('export class Vec', 'return class Patch'))(PlainVec);
  for (const key of Object.getOwnPropertyNames(fresh.prototype)) {
    if (key === 'constructor') continue;
    Object.defineProperty(PlainVec.prototype, key, Object.getOwnPropertyDescriptor(fresh.prototype, key));
  }
}

for (let i = 1; i <= RELOADS; i++) {
  work.write('hot/tick/vec.js', VEC(i));
  const report = await reload(work.path('hot/tick/vec.js'));
  if (!report.ok) throw new Error(JSON.stringify(report.error));
  rawPatch(i);
  hot.run(hotWorld, TRAFFIC_TICKS, 0.016);
  plain.run(plainWorld, TRAFFIC_TICKS, 0.016);
}
const after = measure();
console.log(JSON.stringify({ entities: ENTITIES, ticks: TICKS, rounds: ROUNDS, before, after, reloads: RELOADS, parts }));
