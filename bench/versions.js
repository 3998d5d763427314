// Child of bench/run.js, run under `node --import @hot/loader`: does a reload get slower as a
// module piles up versions? One module, reloaded VERSIONS times, each reload replacing its
// data (an edited initializer) and its functions; the p50 of the reloads around each
// checkpoint, against the same at the first checkpoint in the same process. At each
// checkpoint also: ns per call of a function that writes an exported `let` (`tick++`),
// against the same module loaded plain. Prints JSON.
import { reload } from '@hot/loader/runtime';
import { percentile, workDir } from './support.js';

const VERSIONS = Number(process.env.HOT_BENCH_VERSIONS ?? 3000);
const CHECKPOINTS = [100, 500, 1000, 2000, 3000].filter((n) => n <= VERSIONS);
const WINDOW = 50;

// A game-shaped module: kept state, a table whose initializer changes every version (so the
// reload replaces data and hands the new value to every version's binding), functions, a class.
const source = (version) => `export const players = new Map();
export let tick = 0;
export const TABLE = { version: ${version}, damage: [${Array.from({ length: 16 }, (_, i) => i + version).join(', ')}] };
export let damageScale = ${version % 7};
export function damage(level) { return TABLE.damage[level & 15] * (damageScale + 1); }
export function step() { tick++; return tick; }
export class Player {
  constructor(id) { this.id = id; this.hp = 100; }
  hit(level) { this.hp -= damage(level); return this.hp; }
}
`;

const work = workDir();
const file = work.write('hot/versions.js', source(0));
work.write('plain/versions.js', source(0));
const mod = await import(work.url('hot/versions.js'));
const plain = await import(work.url('plain/versions.js'));
/** ns per `step()` (tick++ on an exported let): the median of 5 rounds of 20,000 calls. */
const writeCost = (m) => {
  const rounds = [];
  for (let r = 0; r < 6; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) m.step();
    rounds.push(Number(process.hrtime.bigint() - start) / 20_000);
  }
  return percentile(rounds.slice(1), 50);
};
const writes = new Map();
const times = [];
for (let version = 1; version <= VERSIONS; version++) {
  work.write('hot/versions.js', source(version));
  const start = performance.now();
  const report = await reload(file);
  times.push(performance.now() - start);
  if (!report.ok) throw new Error(JSON.stringify(report.error));
  if (mod.TABLE.version !== version) throw new Error(`version ${version} did not apply`);
  if (CHECKPOINTS.includes(version)) writes.set(version, { hot: writeCost(mod), plain: writeCost(plain) });
}
console.log(JSON.stringify(CHECKPOINTS.map((n) => ({ versions: n, p50: percentile(times.slice(n - WINDOW, n), 50), write: writes.get(n) }))));
