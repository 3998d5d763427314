// `hot check` of the 1000-module app of bench/startup-apps.js (~4 MB of source): the wall
// time of the whole command (start the app, wait for it, 3 rounds, stop it), each round's
// time (every module reloaded twice: unchanged and as if edited, then measured), and the
// cost per module. Baselines in the same run: plain `node` starting the same app, and one
// `reloadAll()` batch of the 1000 modules inside it. No peer has a check to compare with.
// The goal: at most 2 s per round.
//
//   node bench/check.js      this Node; HOT_BENCH_ROUNDS=3 (runs of the command)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeApps, MODULES } from './startup-apps.js';
import { benchDir, median } from './support.js';

const root = join(benchDir, '..');
const bin = join(root, 'dist', 'cli', 'main.cjs');
const RUNS = Number(process.env.HOT_BENCH_ROUNDS ?? 3);
const GOAL_MS = 2000;

function timed(node, args, cwd, env = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(node, args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the measurement on one Node binary; returns the table's numbers. */
export function checkBench(node) {
  const work = mkdtempSync(join(tmpdir(), 'hot-bench-check-'));
  try {
    writeApps(work);
    const app = join(work, 'thousand');
    mkdirSync(join(app, 'node_modules', '@hot'), { recursive: true });
    // The two drivers below are not part of the app: not hot (batch.js would reload itself).
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bench-thousand', private: true, type: 'module', hot: { exclude: ['batch.js', 'serve.js'] } }));
    symlinkSync(root, join(app, 'node_modules', '@hot', 'loader'), 'dir');
    // The app stays up (a server would): hot check reloads it while it runs.
    writeFileSync(join(app, 'serve.js'), "import './app.js';\nsetInterval(() => {}, 1000);\n");
    // One reloadAll() batch of every module, inside the app, for scale.
    writeFileSync(join(app, 'batch.js'), "import './app.js';\nimport { reloadAll } from '@hot/loader/runtime';\nawait reloadAll();\nconst ms = [];\nfor (let i = 0; i < 3; i++) ms.push((await reloadAll()).ms);\nms.sort((a, b) => a - b);\nconsole.log(JSON.stringify({ batchMs: ms[1] }));\n");
    const plain = [];
    const batch = [];
    const total = [];
    const rounds = [];
    const firstRounds = [];
    const laterRounds = [];
    let findings = null;
    let modules = 0;
    for (let run = 0; run < RUNS; run++) {
      const bare = timed(node, ['app.js'], app);
      if (bare.status !== 0) throw new Error(`node app.js exited ${bare.status}: ${bare.stderr}`);
      plain.push(bare.ms);
      const inside = timed(node, ['--import', '@hot/loader', 'batch.js'], app, { HOT_QUIET: '1', HOT_WATCH: '0', HOT_CONTROL: '0' });
      if (inside.status !== 0) throw new Error(`batch.js exited ${inside.status}: ${inside.stderr}`);
      batch.push(JSON.parse(inside.stdout.trim().split('\n').pop()).batchMs);
      const checked = timed(node, [bin, 'check', '--json', 'serve.js'], app, { NO_COLOR: '1' });
      if (checked.status !== 0 && checked.status !== 1) throw new Error(`hot check exited ${checked.status}: ${checked.stderr}`);
      const result = JSON.parse(checked.stdout);
      total.push(checked.ms);
      rounds.push(...result.roundMs);
      firstRounds.push(result.roundMs[0]);
      laterRounds.push(...result.roundMs.slice(1));
      findings = result.findings.length;
      modules = result.modules;
    }
    const round = median(rounds);
    return { plain: median(plain), batch: median(batch), total: median(total), round, first: median(firstRounds), later: median(laterRounds), perModuleUs: (round / modules) * 1000, modules, findings, runs: RUNS };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The printed table for one Node. */
export function checkTable(result) {
  const met = result.round <= GOAL_MS;
  return [
    `\`hot check\` of the ${MODULES}-module app (~4 MB), 3 rounds, median of ${result.runs} runs; a round reloads every module unchanged, then as if edited, then measures`,
    '',
    '| what | median ms |',
    '|---|---|',
    `| node app.js (plain start, the baseline) | ${result.plain.toFixed(0)} |`,
    `| one reloadAll() batch of ${result.modules} modules, inside the app | ${result.batch.toFixed(0)} |`,
    `| hot check serve.js, whole command (start, ready, 3 rounds, stop) | ${result.total.toFixed(0)} |`,
    `| one round (median of all rounds) | ${result.round.toFixed(0)} (goal ≤ ${GOAL_MS}: ${met ? 'met' : 'MISSED'}) |`,
    `| round 1 (a reload version of every module: after the first run, read from the disk cache; see README) | ${result.first.toFixed(0)} |`,
    `| rounds 2 and 3 | ${result.later.toFixed(0)} |`,
    `| per module per round (both reloads, measuring) | ${(result.perModuleUs / 1000).toFixed(2)} |`,
    '',
    `Findings: ${result.findings} (the generated app is clean).`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(checkTable(checkBench(process.execPath)));
}
