// A soak of the transaction rules: a game ticks (every turn of the event loop) over three hot
// modules while random batches run against them: valid edits, edits broken in every way
// (a throw, a syntax error, a missing import), edits that await at their top level,
// rollbacks, and two reloads at once. Checked throughout:
//   - no write of the game is lost (its counter is exactly the number of its increments);
//   - no tick sees a mix of versions or code of a batch that fails, except while a batch
//     whose new code awaits at its top level is open (README, "All or nothing");
//   - after every failure and every rollback, every binding of every version's namespace is
//     what it was before (the counter, the game's, aside).
// Bounded for CI: HOT_SOAK_MS (default 3000) of batches, seeded by HOT_SOAK_SEED. A long run:
//   HOT_SOAK_MS=600000 node --import @hot/loader tests/soak.hot.test.js
// Runs under --import @hot/loader.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pathToFileURL } from 'node:url';
import { reload, rollback } from '@hot/loader/runtime';
import { stage, until } from './support/stage.js';

const DURATION = Number(process.env.HOT_SOAK_MS ?? 3000);
let seed = Number(process.env.HOT_SOAK_SEED ?? 20261130);
/** mulberry32: the same batches for the same seed. */
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];

const FILES = ['state.js', 'rules.js', 'world.js'];
/** The source of each module at version `n`; `broken` breaks one of them, `wait` awaits at the top. */
const SOURCES = {
  'state.js': (n, { wait }) => `${wait ? 'await new Promise((resolve) => setTimeout(resolve, 2));\n' : ''}export let counter = 0;
export const MARK = { version: ${n} };
export function v() { return ${n}; }
export function bump() { counter++; return counter; }
`,
  'rules.js': (n) => `import { MARK } from './state.js';
export const LIMIT = ${n} * 10;
export const TABLE = [${n}, ${n + 1}];
export function v() { return ${n}; }
export function mark() { return MARK.version; }
`,
  'world.js': (n) => `import { bump } from './state.js';
import { LIMIT } from './rules.js';
export function v() { return ${n}; }
export class Entity {
  step() { return bump(); }
  limit() { return LIMIT; }
}
export const entities = [new Entity()];
`,
};
const BREAKS = {
  throw: (text, n) => `${text}throw new Error('version ${n} is broken');\n`,
  syntax: (text) => `${text}export const = ;\n`,
  link: (text) => `import { missing } from './state.js';\n${text}`,
};

test('soak: random batches, failures and rollbacks under a ticking game lose no write and show no half-applied batch', async () => {
  const s = stage('soak'); // the test writes the modules
  const write = (n, options = {}) => {
    for (const file of FILES) {
      let text = SOURCES[file](n, options);
      if (options.broken?.file === file) text = BREAKS[options.broken.kind](text, n);
      s.write(file, text);
    }
  };
  write(1);
  const [state, rules, world] = await Promise.all(FILES.map((file) => s.import(file)));
  const entity = new world.Entity();
  const hub = globalThis[Symbol.for('@hot/loader')];
  const hotModules = FILES.map((file) => hub.modules.get(pathToFileURL(s.path(file)).href));

  // The game.
  let increments = 0;
  let ticks = 0;
  let running = true;
  let awaitingBatch = false;
  const violations = [];
  const seen = new Set();
  const tick = () => {
    const versions = [state.v(), rules.v(), world.v()];
    const key = versions.join(',');
    if (new Set(versions).size > 1 && !awaitingBatch) violations.push(`tick ${ticks} saw a mix of versions: ${key}`);
    seen.add(key);
    const counted = entity.step();
    increments++;
    if (counted !== increments || state.counter !== increments) violations.push(`tick ${ticks}: counter ${state.counter}, ${increments} increments`);
    ticks++;
    if (running) setImmediate(tick);
  };
  tick();

  /** Every binding of every version of the three modules, the game's counter aside. */
  const snapshot = () => {
    const out = new Map();
    hotModules.forEach((module, m) => {
      module.versions.forEach((version) => {
        const namespace = version.version === 1 ? [state, rules, world][m] : version.namespace;
        if (!namespace) return;
        for (const [name, value] of Object.entries(namespace)) if (name !== 'counter') out.set(`${FILES[m]}@${version.version}:${name}`, value);
      });
    });
    return out;
  };
  const same = (before, after, what) => {
    for (const [key, value] of before) if (!Object.is(after.get(key), value)) violations.push(`${what}: ${key} changed`);
  };

  let version = 1; // the live version of the three modules
  const history = []; // live versions before each applied batch, for rollback()
  const failedVersions = new Set();
  let next = 2; // file contents are numbered apart from Node's version numbers
  const counts = { valid: 0, awaiting: 0, broken: 0, rollback: 0, concurrent: 0 };
  const paths = FILES.map((file) => s.path(file));
  const started = Date.now();
  try {
    while (Date.now() - started < DURATION) {
      const action = pick(['valid', 'valid', 'awaiting', 'broken', 'broken', 'rollback', 'concurrent']);
      const before = snapshot();
      if (action === 'rollback') {
        if (!history.length) continue;
        const target = history.pop();
        const report = await rollback();
        assert.ok(report.ok, JSON.stringify(report.error));
        version = target.version;
        if (target.snapshot) same(target.snapshot, snapshot(), `rollback to ${version}`);
        write(version);
      } else if (action === 'broken') {
        const n = next++;
        const broken = { file: pick(FILES), kind: pick(Object.keys(BREAKS)) };
        write(n, { broken });
        const report = await reload(paths);
        assert.not.ok(report.ok, `a batch broken by a ${broken.kind} in ${broken.file} failed`);
        failedVersions.add(n);
        same(before, snapshot(), `failed batch ${n} (${broken.kind} in ${broken.file})`);
        write(version);
      } else {
        const n = next++;
        awaitingBatch = action === 'awaiting';
        write(n, { wait: awaitingBatch });
        const reports = action === 'concurrent' ? await Promise.all([reload(paths), reload(paths)]) : [await reload(paths)];
        awaitingBatch = false;
        for (const report of reports) assert.ok(report.ok, JSON.stringify(report.error));
        history.push({ version, snapshot: before });
        // The second of two reloads at once starts from the first's state, which no snapshot saw.
        if (action === 'concurrent') history.push({ version: n, snapshot: null });
        version = n;
        assert.equal([state.v(), rules.v(), world.v(), rules.mark()], [n, n, n, n]);
      }
      counts[action]++;
      await until(() => ticks > 0, 'the game ticks');
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    running = false;
  }
  const ranFailed = [...seen].filter((key) => key.split(',').some((v) => failedVersions.has(Number(v))));
  assert.equal(ranFailed, [], 'no tick ran code of a batch that failed');
  assert.equal(violations.slice(0, 10), [], `${violations.length} violations`);
  assert.is(state.counter, increments, 'every increment of the game counted');
  assert.ok(counts.valid && counts.broken && counts.rollback && counts.awaiting, `every kind of batch ran: ${JSON.stringify(counts)}`);
  console.log(`soak: ${Object.values(counts).reduce((a, b) => a + b, 0)} batches ${JSON.stringify(counts)}, ${ticks} ticks in ${Date.now() - started} ms`);
});

test.run();
