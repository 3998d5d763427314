// The arena's tick (demo-game/game.js) under the loader against the same code under plain
// Node: 200 bots, 3000 ticks after 300 of warm-up, mean CPU ms per tick; plain and hot runs
// alternate, nine of each, median of each and of the pairs' ratios; the same seeded game in every run. The issue's goal: hot within 5% of plain.
//
//   node bench/demo.js       this Node
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchDir, median } from './support.js';

const root = join(benchDir, '..');
const RUNS = Number(process.env.HOT_BENCH_ROUNDS ?? 9);
const GOAL = 1.05;
// Math.random is seeded first (the game's modules are imported after it), so plain and hot
// runs simulate exactly the same moves, shots and hits.
const SCRIPT = `
let seed = 42;
Math.random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const { world } = await import(${JSON.stringify(join(root, 'demo-game', 'world.js'))});
const { addBots } = await import(${JSON.stringify(join(root, 'demo-game', 'bots.js'))});
const { tick, tickStats } = await import(${JSON.stringify(join(root, 'demo-game', 'game.js'))});
addBots(world, 200);
for (let i = 0; i < 300; i++) tick();
// CPU time, not wall time: on a shared machine a run that is preempted loses wall time, not CPU.
const cpu = process.cpuUsage();
for (let i = 0; i < 3000; i++) tick();
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ msPerTick: (used.user + used.system) / 1000 / 3000 }));
`;

function run(node, hot) {
  const args = [...(hot ? ['--import', '@hot/loader'] : []), '--input-type=module', '-e', SCRIPT];
  const result = spawnSync(node, args, { cwd: root, encoding: 'utf8', env: { ...process.env, HOT_QUIET: '1', HOT_WATCH: '0', HOT_CONTROL: '0' } });
  if (result.status !== 0) throw new Error(`tick bench (${hot ? 'hot' : 'plain'}) exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()).msPerTick;
}

export function demoBench(node) {
  const plain = [];
  const hot = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(run(node, false));
    hot.push(run(node, true));
  }
  // The ratio of each pair, run back to back, then their median: drift in the machine's speed
  // over the whole run cancels out.
  return { plain: median(plain), hot: median(hot), ratio: median(hot.map((ms, i) => ms / plain[i])), runs: RUNS };
}

export function demoTable(result) {
  const { ratio } = result;
  return [
    `The arena's tick (demo-game/game.js), 200 bots, mean of 3000 ticks, median of ${result.runs} alternating runs (ratio: median of the pairs' ratios)`,
    '',
    '| | CPU ms per tick | ratio |',
    '|---|---|---|',
    `| plain node | ${result.plain.toFixed(3)} | 1.00x |`,
    `| under @hot/loader | ${result.hot.toFixed(3)} | ${ratio.toFixed(2)}x (goal ≤ ${GOAL.toFixed(2)}x: ${ratio <= GOAL ? 'met' : 'MISSED'}) |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(demoTable(demoBench(process.execPath)));
}
