// `hot reload <file>` as an operator meets it: wall time from spawning the command to its
// exit (the report is printed just before), against a running hot server, next to bare
// `node -e 0` in the same round. The goal: the median round trip within `node -e 0`
// + 30 ms over 20 rounds. Also printed: the batch's own time inside the server (report.ms).
//
//   node bench/cli.js        this Node; HOT_BENCH_ROUNDS=20
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, median } from './support.js';

const root = join(benchDir, '..');
const bin = join(root, 'dist', 'cli', 'main.cjs');
const ROUNDS = Number(process.env.HOT_BENCH_ROUNDS ?? 20);
const GOAL_MS = 30;

const timed = (node, args, options) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(node, args, { encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, stdout: result.stdout };
};

/** Runs the measurement on one Node binary; returns the table's numbers. */
export async function cliBench(node) {
  const work = mkdtempSync(join(tmpdir(), 'hot-bench-cli-'));
  const app = join(work, 'app');
  const dir = join(work, 'discovery');
  mkdirSync(join(app, 'node_modules', '@hot'), { recursive: true });
  symlinkSync(root, join(app, 'node_modules', '@hot', 'loader'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bench-app', type: 'module' }));
  writeFileSync(join(app, 'combat.js'), 'export let hits = 0;\nexport function hit(n) { hits += n; return hits; }\nexport class Player { fire() { return hit(1); } }\n');
  writeFileSync(join(app, 'server.js'), "import { hit } from './combat.js';\nsetInterval(() => hit(1), 16);\n");
  const server = spawn(node, ['--import', '@hot/loader', 'server.js'], { cwd: app, env: { ...process.env, HOT_QUIET: '1', HOT_CONTROL_DIR: dir }, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(dir, `${server.pid}.json`))) {
      if (Date.now() > deadline) throw new Error('the server published no control endpoint');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const env = { ...process.env, HOT_CONTROL_DIR: dir, NO_COLOR: '1' };
    const command = [bin, 'reload', 'combat.js'];
    // Warm-up: the server's first reload loads the lexer and the transform; the disk cache warms.
    for (let i = 0; i < 3; i++) timed(node, command, { cwd: app, env });
    const bare = [];
    const reload = [];
    const extra = [];
    const batch = [];
    for (let i = 0; i < ROUNDS; i++) {
      const zero = timed(node, ['-e', '0'], { cwd: app, env }).ms;
      const round = timed(node, [...command, '--json'], { cwd: app, env });
      bare.push(zero);
      reload.push(round.ms);
      extra.push(round.ms - zero);
      batch.push(JSON.parse(round.stdout).ms);
    }
    return { bare: median(bare), reload: median(reload), extra: median(extra), batch: median(batch), rounds: ROUNDS };
  } finally {
    server.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

/** The printed table for one Node. */
export function cliTable(result) {
  const met = result.extra <= GOAL_MS;
  return [
    `\`hot reload <file>\` round trip (spawn to exit, report printed), median of ${result.rounds} rounds; \`node -e 0\` measured in each round`,
    '',
    '| command | median ms | extra over `node -e 0` (median of per-round differences) |',
    '|---|---|---|',
    `| node -e 0 | ${result.bare.toFixed(1)} | |`,
    `| hot reload combat.js | ${result.reload.toFixed(1)} | +${result.extra.toFixed(1)} ms (goal ≤ +${GOAL_MS} ms: ${met ? 'met' : 'MISSED'}) |`,
    `| (the batch inside the server, report.ms) | ${result.batch.toFixed(2)} | |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(cliTable(await cliBench(process.execPath)));
}
