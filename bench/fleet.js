// The fleet's latency: one reload reaching 4 and 16 processes over a real redis-server
// (Debian's, on a loopback port), as `hot fleet` does it.
//
// Per round, for each fleet size, in the same round:
//   - floor: `hot fleet ps`'s request (publish to every signed reply; no reload), from its --json timings;
//   - publish to all applied: the reload request of `hot fleet reload --canary N` (one wave: every
//     process reloads the 5 KB module and answers), from its --json timings;
//   - the whole default rollout, wall time of the command: node starts, connects, reads presence,
//     checks every file everywhere, the canary, its health, the rest, their health;
//   - node -e 0 (the floor of any command's wall time);
//   - restart instead: kill the N processes and start them again until each serves (plain node,
//     no loader), what a restart-based deploy pays, and the state it loses.
// No other hot-reload tool reloads a fleet, so the restart is the peer.
//
//   node bench/fleet.js        this Node; HOT_BENCH_ROUNDS=10
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchDir, median } from './support.js';

const root = join(benchDir, '..');
const bin = join(root, 'dist', 'cli', 'main.cjs');
const ROUNDS = Number(process.env.HOT_BENCH_ROUNDS ?? 10);
const SIZES = (process.env.HOT_BENCH_FLEET ?? '4,16').split(',').map(Number);
const SECRET = 'bench-secret-0123456789';

/** A 5 KB game module: damage tables, a class, functions (as bench/reload.js's). */
const combat = (k) => {
  const lines = [`export const FACTOR = ${k};`, 'export class Fighter {', '  constructor(name, hp) { this.name = name; this.hp = hp; }', '  hit(other, n) { other.hp -= damage(n); return other.hp; }', '}'];
  for (let i = 0; lines.join('\n').length < 5000; i++) lines.push(`export function skill${i}(x) { return x * ${i} + FACTOR; }`);
  lines.push('export function damage(x) { return x * FACTOR; }');
  return lines.join('\n') + '\n';
};
const SERVER = `import { createServer } from 'node:http';
import { damage } from './combat.js';
createServer((request, response) => response.end(String(damage(2)))).listen(0, '127.0.0.1', function () {
  console.log('listening ' + this.address().port);
});
`;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const timed = (node, args, options) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(node, args, { encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, status: result.status, stdout: result.stdout, stderr: result.stderr };
};

/** Starts `count` servers; resolves when each printed its port. */
function startServers(node, app, count, withLoader) {
  return Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => {
    const args = withLoader ? ['--import', '@hot/loader', 'server.js'] : ['server.js'];
    const child = spawn(node, args, { cwd: app, env: { ...process.env, HOT_FLEET_SECRET: SECRET, NODE_ENV: 'production', HOT_WATCH: '0', HOT_CONTROL: '0', HOT_QUIET: '1' }, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('listening')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`a server exited with ${code}`)));
  })));
}

async function stopAll(children) {
  await Promise.all(children.map((child) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGKILL');
  })));
}

/** Runs the measurement on one Node binary; returns the table's rows. */
export async function fleetBench(node) {
  if (spawnSync('redis-server', ['--version']).status !== 0) return { error: 'redis-server is not installed (apt-get install redis-server)' };
  const work = mkdtempSync(join(tmpdir(), 'hot-bench-fleet-'));
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const rows = [];
  try {
    await new Promise((resolve, reject) => {
      let out = '';
      redis.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('Ready to accept connections')) resolve();
      });
      redis.on('exit', () => reject(new Error('redis-server did not start')));
    });
    for (const size of SIZES) {
      const app = join(work, `fleet-${size}`);
      mkdirSync(join(app, 'node_modules', '@hot'), { recursive: true });
      symlinkSync(root, join(app, 'node_modules', '@hot', 'loader'), 'dir');
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bench-fleet', type: 'module', hot: { fleet: { url: `redis://127.0.0.1:${port}`, name: `bench-${size}` } } }));
      writeFileSync(join(app, 'combat.js'), combat(1));
      writeFileSync(join(app, 'server.js'), SERVER);
      const servers = await startServers(node, app, size, true);
      const env = { ...process.env, HOT_FLEET_SECRET: SECRET, NO_COLOR: '1' };
      const fleet = (args) => {
        const result = timed(node, [bin, 'fleet', ...args, '--json'], { cwd: app, env });
        if (result.status !== 0) throw new Error(`hot fleet ${args.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`);
        return { ms: result.ms, json: JSON.parse(result.stdout) };
      };
      try {
        // Until every process has joined (each joins ~100 ms after start).
        const deadline = Date.now() + 30_000;
        while (fleet(['ps']).json.answered !== size) {
          if (Date.now() > deadline) throw new Error(`not all ${size} processes joined`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const measured = { floor: [], applied: [], rollout: [], bare: [], restart: [] };
        let k = 2;
        const edit = () => writeFileSync(join(app, 'combat.js'), combat(k++));
        // Warm-up: each process's first reload loads the lexer and the transform.
        for (let i = 0; i < 2; i++) {
          edit();
          fleet(['reload', 'combat.js', '--canary', String(size)]);
        }
        for (let round = 0; round < ROUNDS; round++) {
          measured.bare.push(timed(node, ['-e', '0'], { cwd: app }).ms);
          measured.floor.push(fleet(['ps']).json.timings.find((t) => t.op === 'ps').ms);
          edit();
          const one = fleet(['reload', 'combat.js', '--canary', String(size)]).json;
          if (!one.ok) throw new Error(JSON.stringify(one));
          measured.applied.push(one.timings.find((t) => t.op === 'reload').ms);
          edit();
          const rollout = fleet(['reload', 'combat.js']);
          if (!rollout.json.ok) throw new Error(JSON.stringify(rollout.json));
          measured.rollout.push(rollout.ms);
        }
        // The peer: restart the same number of plain processes, until each serves again.
        const plain = join(work, `plain-${size}`);
        mkdirSync(plain);
        writeFileSync(join(plain, 'package.json'), JSON.stringify({ type: 'module' }));
        writeFileSync(join(plain, 'combat.js'), combat(1));
        writeFileSync(join(plain, 'server.js'), SERVER);
        let running = await startServers(node, plain, size, false);
        for (let round = 0; round < Math.min(ROUNDS, 5); round++) {
          const started = process.hrtime.bigint();
          await stopAll(running);
          running = await startServers(node, plain, size, false);
          measured.restart.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        await stopAll(running);
        rows.push({ size, ...Object.fromEntries(Object.entries(measured).map(([key, values]) => [key, median(values)])) });
      } finally {
        await stopAll(servers);
      }
    }
    return { rows, rounds: ROUNDS };
  } finally {
    redis.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

export function fleetTable({ rows, rounds, error }) {
  if (error) return `fleet: not measured: ${error}`;
  const fmt = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const head = ['processes', 'floor: ps round trip (ms)', 'publish to all applied (ms)', 'whole rollout, wall (ms)', 'node -e 0 (ms)', 'restart instead (ms)'];
  const lines = rows.map((r) => [r.size, fmt(r.floor), fmt(r.applied), fmt(r.rollout), fmt(r.bare), fmt(r.restart)]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [
    `fleet reload of a 5 KB module over a local redis-server, medians of ${rounds} rounds: the ps request (signed publish to every signed reply, no reload);`,
    'the reload request in one wave (--canary N: publish until every process applied it and answered); the default rollout (a check everywhere, the canary,',
    'its health, the rest, their health) as the command\'s wall time; node -e 0; and restarting as many plain servers until each listens again',
    '',
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(line),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(fleetTable(await fleetBench(process.execPath)));
}
