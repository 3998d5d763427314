// Child of bench/run.js, run under `node --import @hot/loader`: latency of
// `reload(file)` on a ~5 KB module whose source changed, against the floor of a
// bare `await import(url + '?v=N')` of the same module loaded plain. Prints JSON.
import { reload } from '@hot/loader/runtime';
import { gameModule, percentile, workDir } from './support.js';

const ROUNDS = Number(process.env.HOT_BENCH_RELOADS ?? 200);
const work = workDir();
const hotFile = work.write('hot/combat.js', gameModule(0));
const cachedFile = work.write('hot/cached.js', gameModule(0));
work.write('plain/combat.js', gameModule(0));
await import(work.url('hot/combat.js'));
await import(work.url('hot/cached.js'));

const hot = [];
const cached = [];
const bare = [];
for (let i = 1; i <= ROUNDS; i++) {
  work.write('hot/combat.js', gameModule(i));
  let start = performance.now();
  const report = await reload(hotFile);
  hot.push(performance.now() - start);
  if (!report.ok) throw new Error(JSON.stringify(report.error));
  // Two contents in turn: after the first round the transform is a memory-cache hit,
  // which leaves what a reload costs besides parsing and transforming.
  work.write('hot/cached.js', gameModule(i % 2));
  start = performance.now();
  const again = await reload(cachedFile);
  cached.push(performance.now() - start);
  if (!again.ok) throw new Error(JSON.stringify(again.error));
  work.write('plain/combat.js', gameModule(i));
  start = performance.now();
  await import(`${work.url('plain/combat.js')}?v=${i}`);
  bare.push(performance.now() - start);
}
// The first reloads pay for warming up the transform; report steady state too.
const steady = (list) => list.slice(Math.floor(list.length / 10));
console.log(JSON.stringify({
  bytes: gameModule(0).length,
  reload: { p50: percentile(steady(hot), 50), p95: percentile(steady(hot), 95), first: hot[0] },
  cached: { p50: percentile(steady(cached), 50), p95: percentile(steady(cached), 95), first: cached[0] },
  bare: { p50: percentile(steady(bare), 50), p95: percentile(steady(bare), 95), first: bare[0] },
}));
