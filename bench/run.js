// `npm run bench`: prints the benchmark tables.
//
//   node bench/run.js                      this Node
//   HOT_BENCH_NODES=/path/node24,/path/node22 node bench/run.js   these Node binaries too
//   HOT_BENCH_PROCESSES=5                   processes per measurement (medians over them)
//   HOT_BENCH_ONLY=reload,transform         only these sections: calls (with the dynohot peer), tick, reload, versions, memory, transform, cli, watch, check, demo, fleet, startup
//
// Every number is a median over separate processes, with the baseline measured in
// the same process as the hot variant (the machine is shared and noisy).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { cliBench, cliTable } from './cli.js';
import { checkBench, checkTable } from './check.js';
import { demoBench, demoTable } from './demo.js';
import { fleetBench, fleetTable } from './fleet.js';
import { watchBench } from './watch.js';
import { runDynohot } from './peers.js';
import { startupBench } from './startup.js';
import { benchDir, median } from './support.js';

const root = join(benchDir, '..');
const nodes = [process.execPath, ...(process.env.HOT_BENCH_NODES ?? '').split(',').filter(Boolean)];
const PROCESSES = Number(process.env.HOT_BENCH_PROCESSES ?? 5);
const ONLY = process.env.HOT_BENCH_ONLY ? new Set(process.env.HOT_BENCH_ONLY.split(',')) : null;
const want = (section) => !ONLY || ONLY.has(section);

function child(node, script, loader) {
  const args = loader ? ['--import', '@hot/loader', join('bench', script)] : [join('bench', script)];
  // No watcher and no endpoint: these measure the API; the watcher would also see the files
  // the benchmarks write and reload them (bench/watch.js measures it).
  const result = spawnSync(node, args, { cwd: root, encoding: 'utf8', env: { ...process.env, HOT_QUIET: '1', HOT_WATCH: '0', HOT_CONTROL: '0' }, maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${script} failed on ${node}:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

const fmt = (n, digits = 2) => (n >= 100 ? n.toFixed(0) : n.toFixed(digits));
const table = (head, rows) => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
};

// Packs this package and installs the tarball once, for every Node binary.
const startup = want('startup') ? startupBench() : null;

for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\n## Node ${version} (${PROCESSES} processes per measurement, medians)\n`);
  // 1. Calls through stand-ins and hot classes.
  let runs = [];
  if (want('calls')) {
    runs = Array.from({ length: PROCESSES }, () => child(node, 'calls.js', true));
    const cases = [...new Set(runs[0].map((r) => r.name))];
    const rows = cases.map((name) => {
      const cells = [name];
      const plain = median(runs.flatMap((run) => run.filter((r) => r.name === name && r.reloads === 0).map((r) => r.plainNs)));
      cells.push(fmt(plain));
      for (const reloads of [0, 1, 100]) {
        const hot = median(runs.flatMap((run) => run.filter((r) => r.name === name && r.reloads === reloads).map((r) => r.hotNs)));
        const ratio = median(runs.flatMap((run) => run.filter((r) => r.name === name && r.reloads === reloads).map((r) => r.hotNs / r.plainNs)));
        cells.push(`${fmt(hot)} (${ratio.toFixed(2)}x, ${hot - plain >= 0 ? '+' : ''}${(hot - plain).toFixed(2)})`);
      }
      return cells;
    });
    console.log('ns per operation: plain module vs hot module after 0, 1 and 100 reloads (ratio to plain in the same process, extra ns);\nbetween reloads every loop runs 300,000 times, as a live server keeps calling while it is reloaded\n');
    console.log(table(['operation', 'plain', 'hot, 0 reloads', 'hot, 1 reload', 'hot, 100 reloads'], rows));
  }

  // 1a. A steering tick in the shape game code takes (bench/tick.js), before and after 100 reloads.
  if (want('tick')) {
    const ticks = Array.from({ length: PROCESSES }, () => child(node, 'tick.js', true));
    const at = (phase, key) => median(ticks.map((t) => t[phase][key]));
    const goal = (ratio, limit) => `${ratio.toFixed(2)}x (goal ≤ ${limit.toFixed(2)}x: ${ratio <= limit ? 'met' : 'MISSED'})`;
    console.log(`\nsteering tick: ns per entity update (${ticks[0].entities} entities: Vec math allocating through its own class, an Entity holding Vecs with a getter, a Seeker subclass calling super.update, instanceof in the loop);\nhot and plain copies of the same modules in one process, ${ticks[0].rounds} interleaved rounds of ${ticks[0].ticks} ticks, medians over ${PROCESSES} processes. After: ${ticks[0].reloads} reloads of vec.js with live ticks between, against plain Node with every Vec method patched on its prototype as many times (the floor of any code swap)\n`);
    console.log(table(['when', 'plain (ns)', 'hot (ns)', 'hot / plain'], [
      ['before any reload', fmt(at('before', 'plain')), fmt(at('before', 'hot')), goal(at('before', 'ratio'), 1.05)],
      [`after ${ticks[0].reloads} reloads (plain: raw patches)`, fmt(at('after', 'plain')), fmt(at('after', 'hot')), goal(at('after', 'ratio'), 1.1)],
    ]));
    console.log('\nthe tick in parts, before any reload: one loop over 2000 each, ns per element, hot / plain (median of 5 interleaved rounds per process)\n');
    console.log(table(['loop', 'plain', 'hot', 'hot / plain'], ticks[0].parts.map(({ name }, i) => {
      const of = (key) => median(ticks.map((t) => t.parts[i][key]));
      return [name, fmt(of('plain')), fmt(of('hot')), `${of('ratio').toFixed(2)}x`];
    })));
  }

  // 2. Reload latency.
  if (want('reload')) {
    const latency = Array.from({ length: Math.max(3, Math.ceil(PROCESSES / 2)) }, () => child(node, 'reload.js', true));
    console.log(`\nreload latency of a ${latency[0].bytes}-byte module whose source changed (ms; 200 reloads per process, first 10% dropped as warm-up)\n`);
    console.log(table(['what', 'p50', 'p95', 'first'], [
      ['reload(file) through @hot/loader', fmt(median(latency.map((l) => l.reload.p50))), fmt(median(latency.map((l) => l.reload.p95))), fmt(median(latency.map((l) => l.reload.first)))],
      ['reload(file), transform cached (source seen before)', fmt(median(latency.map((l) => l.cached.p50))), fmt(median(latency.map((l) => l.cached.p95))), fmt(median(latency.map((l) => l.cached.first)))],
      ['bare import(url + "?v=N"), plain module', fmt(median(latency.map((l) => l.bare.p50))), fmt(median(latency.map((l) => l.bare.p95))), fmt(median(latency.map((l) => l.bare.first)))],
    ]));
  }

  // 2a. Does a reload get slower as versions pile up? (bench/versions.js; one process, 3000 reloads)
  if (want('versions')) {
    const runs = Array.from({ length: 2 }, () => child(node, 'versions.js', true));
    const first = median(runs.map((r) => r[0].p50));
    console.log(`\nreload p50 of a module with ${runs[0].length ? runs[0].at(-1).versions : 0} versions behind it, at each checkpoint (ms; 50 reloads per checkpoint, 2 processes)\n`);
    console.log(table(['versions', 'reload p50', 'to the first checkpoint', 'write an export let (ns): plain', 'hot'], runs[0].map((point, i) => {
      const p50 = median(runs.map((r) => r[i].p50));
      const plainNs = median(runs.map((r) => r[i].write.plain));
      const hotNs = median(runs.map((r) => r[i].write.hot));
      return [String(point.versions), fmt(p50), `${(p50 / first).toFixed(2)}x`, fmt(plainNs), `${fmt(hotNs)} (${(hotNs / plainNs).toFixed(0)}x)`];
    })));
  }

  // 2b. A named peer: dynohot, same operations, same baseline in the same process.
  if (want('calls')) {
    const peers = Array.from({ length: 3 }, () => runDynohot(node));
    const failed = peers.find((p) => p.error);
    if (failed) {
      console.log(`\ndynohot: could not run (${failed.error})`);
    } else {
      const peer = (name, reloads, key) => median(peers.map((p) => p.results.find((r) => r.name === name && r.reloads === reloads)[key]));
      const ours = (name, reloads) => median(runs.flatMap((run) => run.filter((r) => r.name === name && r.reloads === reloads).map((r) => r.hotNs / r.plainNs)));
      console.log('\nnamed peer: dynohot 1.x (ns per operation; ratio to plain measured in the same process)\n');
      console.log(table(['operation', 'plain', 'dynohot, 0 reloads', 'dynohot, 1 reload', '@hot/loader, 1 reload (ratio)'], ['call', 'method (old instance)', 'new', 'instanceof'].map((name) => [
        name,
        fmt(peer(name, 0, 'plainNs')),
        `${fmt(peer(name, 0, 'hotNs'))} (${(peer(name, 0, 'hotNs') / peer(name, 0, 'plainNs')).toFixed(2)}x)`,
        `${fmt(peer(name, 1, 'hotNs'))} (${(peer(name, 1, 'hotNs') / peer(name, 1, 'plainNs')).toFixed(2)}x)`,
        `${ours(name, 1).toFixed(2)}x`,
      ])));
      const sees = peers[0].results.find((r) => r.reloads === 1).oldInstanceSeesNewClass;
      console.log(`\nAfter a dynohot reload, an instance made before it is ${sees ? '' : 'not '}an instance of the new class and keeps the old methods; with @hot/loader it is, and runs the new ones.`);
      console.log(`dynohot write-to-accept latency (its file watcher included, 20 reloads): p50 ${fmt(median(peers.map((p) => p.latency.p50)))} ms, p95 ${fmt(median(peers.map((p) => p.latency.p95)))} ms. @hot/loader has no watcher yet; its API reload latency is above.`);
  }
  }

  // 2c. Heap retained per reload (bench/memory.js), hot against a bare cache-busted import, and status()'s estimate.
  if (want('memory')) {
    const measure = (mode, shape) => {
      const args = ['--expose-gc', ...(mode === 'hot' ? ['--import', '@hot/loader'] : []), join('bench', 'memory.js'), mode, shape];
      const result = spawnSync(node, args, { cwd: root, encoding: 'utf8', env: { ...process.env, HOT_QUIET: '1', HOT_WATCH: '0', HOT_CONTROL: '0' }, maxBuffer: 1 << 24 });
      if (result.status !== 0) throw new Error(`memory.js ${mode} ${shape} failed on ${node}:\n${result.stderr}`);
      return JSON.parse(result.stdout.trim().split('\n').pop());
    };
    const rows = ['game', 'big'].map((shape) => {
      const runs = Array.from({ length: 2 }, () => ({ hot: measure('hot', shape), bare: measure('bare', shape) }));
      const kb = (n) => (n / 1024).toFixed(0);
      const hot = median(runs.map((r) => r.hot.perReload));
      const bare = median(runs.map((r) => r.bare.perReload));
      const estimate = median(runs.map((r) => r.hot.estimatePerReload));
      const bytes = runs[0].hot.bytes;
      const goal = hot / bare <= 1.2 ? 'met' : 'MISSED';
      return [`${kb(bytes)} KB module`, `${kb(bare)} (${(bare / bytes).toFixed(1)}x source)`, `${kb(hot)} (${(hot / bytes).toFixed(1)}x source)`, `${(hot / bare).toFixed(2)}x (goal ≤ 1.20x: ${goal})`, `${kb(estimate)} (${((estimate / hot - 1) * 100).toFixed(0)}%)`];
    });
    console.log('\nheap retained per reload (KB; 200 reloads of a changed source, heap after gc at both ends, 2 processes each, medians)\n');
    console.log(table(['module', 'bare import(url?v=N)', '@hot/loader reload()', 'hot / bare', 'status() estimate (error)'], rows));
  }

  // 3. Transform throughput.
  if (want('transform')) {
    const throughput = child(node, 'transform.js', false);
    console.log(`\ntransform throughput over ${throughput.files} modules, ${(throughput.bytes / 1024).toFixed(0)} KB (MB/s, median of 7 rounds)\n`);
    console.log(table(['cold (parse + transform)', 'cached in memory', 'cached on disk (next start)', 'cold ms per 5 KB'], [[fmt(throughput.cold), fmt(throughput.memory), fmt(throughput.disk), fmt(throughput.coldMsPer5KB)]]));
  }

  // 4. The `hot` command's round trip against a running server.
  if (want('cli')) console.log(`\n${cliTable(await cliBench(node))}`);

  // 5. Save -> new code running, with the named peers, and the lossless soak.
  if (want('watch')) console.log(`\n${await watchBench(node)}`);

  // 6. `hot check` of the 1000-module app, against its plain start and one reloadAll() batch.
  if (want('check')) console.log(`\n${checkTable(checkBench(node))}`);

  // 7. The demo arena's tick, under the loader and plain.
  if (want('demo')) console.log(`\n${demoTable(demoBench(node))}`);

  // 7a. A reload reaching 4 and 16 processes over Redis (bench/fleet.js), against restarting them.
  if (want('fleet')) console.log(`\n${fleetTable(await fleetBench(node))}`);

  // 8. Start-up from the installed tarball, against plain node, tsx and dynohot.
  if (startup) console.log(`\n${startup.tables(node)}`);
}
startup?.close();
rmSync(join(benchDir, '.work'), { recursive: true, force: true });
