// The fleet as an operator runs it: a real redis-server (Debian's; .ci/run installs it) on a
// loopback port, two copies of one game (two "hosts"), two processes each, and the real `hot`
// bin. Each process writes what its code computes (`damage(2)`) to a file of its own, so every
// assertion about "applied", "untouched" and "rolled back" is about code that runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@redis/client';
import { node, project } from './support/project.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.HOT_TEST_BIN ?? join(here, '..', 'dist', 'cli', 'main.cjs');
const SECRET = randomBytes(24).toString('base64url');
const NAME = `arena-${randomBytes(4).toString('hex')}`;

const SERVER = `import { renameSync, writeFileSync } from 'node:fs';
import { damage } from './combat.js';
// Written whole (renamed into place): the test never reads half a file.
const write = () => { writeFileSync('out-' + process.pid + '.part', String(damage(2))); renameSync('out-' + process.pid + '.part', 'out-' + process.pid); };
write();
setInterval(write, 25);
// A game server that keeps running through an uncaught exception (the fleet's health gate reports it).
process.on('uncaughtException', (error) => console.error('kept running after', error.message));
`;
// The health hook: unhealthy while a sick-<pid> file is beside it.
const HEALTH = `import { existsSync } from 'node:fs';
export default () => (existsSync('sick-' + process.pid) ? 'too few players' : true);
`;
const combat = (k) => `export function damage(x) {\n  return x * ${k};\n}\n`;
// Throws while loading in a process that has a fail-<pid> file beside it: one chosen process fails.
const BREAKS = `import { existsSync } from 'node:fs';
if (existsSync('fail-' + process.pid)) throw new Error('broken on this process');
export function damage(x) {
  return x * 5;
}
`;

let redis = null;
let port = 0;
const copies = [];
/** The running game processes: { pid, copy, child, log() }. */
const processes = [];

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: found } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return found;
}

async function startRedis() {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const ready = await waitFor(() => out.includes('Ready to accept connections') || child.exitCode !== null, 10_000);
  if (!ready || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}:\n${out}`);
  return child;
}

async function stopRedis() {
  if (!redis) return;
  const exited = new Promise((resolve) => redis.once('exit', resolve));
  redis.kill('SIGKILL');
  await exited;
  redis = null;
}

/** Polls `check` every 25 ms until it is truthy or `ms` passed; its last value. */
async function waitFor(check, ms) {
  const deadline = Date.now() + ms;
  let value = check();
  while (!value && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = check();
  }
  return value;
}

function copy() {
  const app = project({
    'package.json': JSON.stringify({ name: 'arena', type: 'module', hot: { fleet: { url: `redis://127.0.0.1:${port}`, name: NAME, health: 'health.js' } } }),
    'server.js': SERVER,
    'health.js': HEALTH,
    'combat.js': combat(2),
  });
  copies.push(app);
  return app;
}

function start(app) {
  const child = spawn(node, ['--import', '@hot/loader', 'server.js'], {
    cwd: app.dir,
    env: { ...process.env, HOT_FLEET_SECRET: SECRET, NODE_ENV: 'production', HOT_WATCH: '0', HOT_CONTROL: '0', HOT_QUIET: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  const entry = { pid: child.pid, app, child, log: () => log };
  processes.push(entry);
  return entry;
}

/** What a process's code computes now. */
const output = (entry) => {
  const file = entry.app.path(`out-${entry.pid}`);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
};
const live = () => processes.filter((entry) => entry.child.exitCode === null && entry.child.signalCode === null);
/** Until every live process computes `value` (each writes every 25 ms). */
const allCompute = (value, ms = 5000) => waitFor(() => live().every((entry) => output(entry) === value), ms);

/** Marks one process (by pid) with `<mark>-<pid>` beside it (`fail`: BREAKS throws there; `sick`: the health hook says no); returns the unmarking. */
function mark(pid, kind = 'fail') {
  const file = processes.find((p) => p.pid === pid).app.path(`${kind}-${pid}`);
  writeFileSync(file, '');
  return () => rmSync(file);
}

function fleet(app, args, env = {}) {
  const started = Date.now();
  const result = spawnSync(node, [bin, 'fleet', ...args], { cwd: app.dir, encoding: 'utf8', env: { ...process.env, HOT_FLEET_SECRET: SECRET, FORCE_COLOR: '0', ...env }, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started, json: () => JSON.parse(result.stdout) };
}

/** `hot fleet ps --json`, once every expected process answered. */
async function ps(count) {
  let result;
  await waitFor(() => {
    result = fleet(copies[0], ['ps', '--json']);
    return result.status === 0 && result.json().answered === count && result.json().fleet === count;
  }, 20_000);
  assert.is(result.status, 0, result.stdout + result.stderr);
  return result.json();
}

function sign(body, secret = SECRET) {
  const text = JSON.stringify(body);
  return `hot1.${createHmac('sha256', secret).update(text).digest('base64url')}.${text}`;
}

test.before(async () => {
  const which = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (which.status !== 0) throw new Error('redis-server is not installed: apt-get install redis-server (.ci/run does it)');
  port = await freePort();
  redis = await startRedis();
  const [a, b] = [copy(), copy()];
  for (const app of [a, a, b, b]) start(app);
});

test.after(async () => {
  for (const entry of processes) entry.child.kill('SIGKILL');
  await stopRedis();
  for (const app of copies) app.remove();
});

test('every process joins: hot fleet ps lists four processes of two copies, none stale', async () => {
  const listed = await ps(4);
  assert.equal(listed.processes.map((p) => p.pid).sort(), processes.map((p) => p.pid).sort());
  assert.equal(new Set(listed.processes.map((p) => p.root)).size, 2, 'two project copies');
  for (const entry of listed.processes) {
    assert.equal(entry.modules.map((m) => [m.file, m.version, m.stale]).sort(), [['combat.js', 1, false], ['server.js', 1, false]], 'health.js is loaded at the first health check');
  }
  // (spawnSync above blocks this loop: the children's stderr is read once it turns.)
  for (const entry of processes) await waitFor(() => entry.log().includes('[hot] fleet: joined'), 5000);
  for (const entry of processes) assert.match(entry.log(), new RegExp(`\\[hot\\] fleet: joined ${NAME} at redis://127\\.0\\.0\\.1:${port} as [^/]+/${entry.pid}/`), entry.log());
  const human = fleet(copies[0], ['ps']);
  assert.is(human.status, 0, human.stderr);
  assert.match(human.stdout, /^4 processes on 1 host\n/);
  assert.is(human.stdout.match(/\d modules {2}up to date/g)?.length, 4, human.stdout);
  // This copy's combat.js edited: every process runs a combat.js that differs from it.
  copies[0].write('combat.js', combat(9));
  const stale = fleet(copies[0], ['ps']);
  assert.is(stale.stdout.match(/1 stale: combat\.js v1/g)?.length, 4, stale.stdout);
  copies[0].write('combat.js', combat(2));
});

test('hot fleet reload: the canary, then the rest; every process runs the new code', async () => {
  assert.ok(await allCompute('4'));
  for (const app of copies) app.write('combat.js', combat(3));
  const result = fleet(copies[0], ['reload', 'combat.js']);
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^canary: \S+ pid \d+\n {2}combat\.js v2: replaced damage\n {2}reload applied to 1 module \(batch 1, [\d.]+ ms\)\nwave 1: /);
  assert.match(result.stdout, /\nreload applied on 4 processes\n$/);
  assert.ok(await allCompute('6'), 'every process computes with the new code');
  const listed = await ps(4);
  for (const entry of listed.processes) assert.is(entry.modules.find((m) => m.file === 'combat.js').version, 2);
});

test('a file that differs on a host stops the reload before any process applies it; --push sends it', async () => {
  copies[0].write('combat.js', combat(7)); // edited in one copy only: not deployed to the other "host"
  const result = fleet(copies[0], ['reload', 'combat.js', '--json']);
  assert.is(result.status, 1, result.stdout + result.stderr);
  const json = result.json();
  assert.is(json.ok, false);
  const onB = json.processes.filter((p) => processes.find((entry) => entry.pid === p.pid).app === copies[1]);
  assert.is(onB.length, 2);
  for (const p of onB) {
    assert.is(p.phase, 'check');
    assert.is(p.error.code, 'ERR_HOT_FILE_DIFFERS');
    assert.match(p.error.message, /^combat\.js on this host differs from the one the reload names \(sha256 [0-9a-f]{12}, asked for [0-9a-f]{12}\); deploy it first, or send the source with --push$/);
  }
  for (const p of json.processes) assert.is(p.result?.modules, undefined, `pid ${p.pid} applied nothing`);
  const human = fleet(copies[0], ['reload', 'combat.js']);
  assert.is(human.status, 1);
  assert.match(human.stderr, /\nnothing was applied: 2 of 4 processes cannot take it \(checked before the rollout\)\n$/);
  assert.match(human.stdout, /\n {2}cannot take it, nothing was applied\n {2}ERR_HOT_FILE_DIFFERS combat\.js on this host differs /);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(await allCompute('6'), 'every process runs the code from before');
  const listed = await ps(4);
  for (const p of listed.processes) assert.is(p.modules.find((m) => m.file === 'combat.js').version, 2, `pid ${p.pid}: no new version`);
  assert.is(readFileSync(copies[1].path('combat.js'), 'utf8'), combat(3), 'the other copy was not written');

  const pushed = fleet(copies[0], ['reload', '--push', 'combat.js']);
  assert.is(pushed.status, 0, pushed.stdout + pushed.stderr);
  assert.ok(await allCompute('14'));
  assert.is(readFileSync(copies[1].path('combat.js'), 'utf8'), combat(7), 'the pushed source is on the other copy now');
});

test('a canary failure stops the rollout: the error at file:line, the others untouched', async () => {
  const listed = (await ps(4)).processes;
  const canary = listed[0];
  const unmark = mark(canary.pid);
  try {
    for (const app of copies) app.write('combat.js', BREAKS);
    const result = fleet(copies[0], ['reload', 'combat.js']);
    assert.is(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`^canary: \\S+ pid ${canary.pid}\n {2}reload failed, nothing changed \\(batch \\d+, [\\d.]+ ms\\)\n {2}combat\\.js:2:\\d+ ERR_HOT_EVALUATION broken on this process\n`));
    assert.match(result.stderr, new RegExp(`^hot fleet: reload failed on \\S+ pid ${canary.pid} \\(canary\\): combat\\.js:2:\\d+: ERR_HOT_EVALUATION broken on this process\nuntouched: 3 processes \\(not reached\\)\n$`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(await allCompute('14'), 'no process runs the new code');
    const version = (p) => p.modules.find((m) => m.file === 'combat.js').version;
    const after = (await ps(4)).processes;
    for (const p of listed.slice(1)) assert.is(version(after.find((q) => q.pid === p.pid)), version(p), `pid ${p.pid} was not asked: no new version`);
  } finally {
    unmark();
  }
});

test('a failure in the second wave rolls back the canary and the first wave', async () => {
  const listed = (await ps(4)).processes;
  const third = listed[2];
  const unmark = mark(third.pid);
  try {
    const result = fleet(copies[0], ['reload', 'combat.js', '--canary', '1', '--wave', '1', '--json']);
    assert.is(result.status, 1, result.stdout + result.stderr);
    const json = result.json();
    assert.is(json.failed, third.member);
    const byPid = new Map(json.processes.map((p) => [p.pid, p]));
    assert.equal([0, 1, 2, 3].map((i) => byPid.get(listed[i].pid).phase), ['canary', 'wave 1', 'wave 2', null]);
    assert.equal([0, 1].map((i) => byPid.get(listed[i].pid).rolledBack), [true, true]);
    assert.is(byPid.get(listed[2].pid).error.code, 'ERR_HOT_EVALUATION');
    assert.is(byPid.get(listed[3].pid).answered, false, 'the last one was never asked');
    assert.ok(await allCompute('14'), 'every process runs the code from before');
    const human = fleet(copies[0], ['reload', 'combat.js', '--canary', '1', '--wave', '1']);
    assert.is(human.status, 1);
    assert.match(human.stderr, /\nrolled back on 2 processes: \S+, \S+\nuntouched: 1 process \(not reached\)\n$/);
  } finally {
    unmark();
    for (const app of copies) app.write('combat.js', combat(7));
  }
});

test('the health gate: an uncaught exception or unhandled rejection during --bake, or a failing health hook, rolls back every process that applied it', async () => {
  const listed = (await ps(4)).processes;
  const [canary, second] = listed;
  const throwsLater = (kind) => `import { existsSync } from 'node:fs';
export function damage(x) {
  return x * 8;
}
if (existsSync('fail-' + process.pid)) setTimeout(() => { ${kind === 'exception' ? "throw new Error('the tick broke')" : "Promise.reject(new Error('a lost promise'))"}; }, 150);
`;
  for (const [kind, line] of [['exception', /uncaught exception at combat\.js:5:\d+: Error: the tick broke/], ['rejection', /unhandled rejection at combat\.js:5:\d+: Error: a lost promise/]]) {
    const unmark = mark(canary.pid);
    try {
      for (const app of copies) app.write('combat.js', throwsLater(kind));
      const result = fleet(copies[0], ['reload', 'combat.js', '--bake', '1']);
      assert.is(result.status, 1, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`^canary: \\S+ pid ${canary.pid}\n {2}combat\\.js v\\d+: replaced damage; ran again the statement at line 5\n {2}reload applied to 1 module .*\n {2}unhealthy: ${line.source}\n {2}rolled back\n`));
      assert.match(result.stderr, new RegExp(`^hot fleet: reload applied, then \\S+ pid ${canary.pid} \\(canary\\) was unhealthy: ${line.source}\nrolled back on 1 process: \\S+\nuntouched: 3 processes \\(not reached\\)\n$`));
      assert.ok(result.ms >= 1000, 'it baked for a second');
      assert.ok(await allCompute('14'), 'every process runs the code from before');
    } finally {
      unmark();
    }
  }
  // The health hook of the first wave's process says no: the canary and the wave roll back.
  const unmark = mark(second.pid, 'sick');
  try {
    for (const app of copies) app.write('combat.js', combat(8));
    const result = fleet(copies[0], ['reload', 'combat.js', '--wave', '1', '--json']);
    assert.is(result.status, 1, result.stdout + result.stderr);
    const json = result.json();
    assert.is(json.failed, second.member);
    const byPid = new Map(json.processes.map((p) => [p.pid, p]));
    assert.equal(byPid.get(second.pid).health, { errors: [], hook: { ok: false, message: 'too few players' } });
    assert.equal([canary.pid, second.pid].map((pid) => [byPid.get(pid).healthy, byPid.get(pid).rolledBack]), [[true, true], [false, true]]);
    assert.is(byPid.get(listed[2].pid).phase, null, 'the next wave was not reached');
    assert.ok(await allCompute('14'));
  } finally {
    unmark();
    for (const app of copies) app.write('combat.js', combat(7));
  }
});

test('hot fleet hotfix: the file travels with its source, and hot fleet rollback undoes it everywhere', async () => {
  mkdirSync(copies[0].path('hotfixes'), { recursive: true });
  copies[0].write('hotfixes/cap.js', "export default function (hot) {\n  hot.module('../combat.js').fn('damage', (x) => Math.min(x * 7, 10));\n}\n");
  const result = fleet(copies[0], ['hotfix', 'hotfixes/cap.js']);
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /\nhotfix applied on 4 processes\n$/);
  assert.ok(await allCompute('10'));
  assert.ok(existsSync(copies[1].path('hotfixes/cap.js')), 'the hotfix file is on the other copy');
  const undo = fleet(copies[0], ['rollback']);
  assert.is(undo.status, 0, undo.stdout + undo.stderr);
  assert.match(undo.stdout, /\nrollback applied on 4 processes\n$/);
  assert.ok(await allCompute('14'));
});

test('only signed, fresh, first-time messages act: bad signature, unsigned, replayed and stale ones are refused and logged, nothing changes', async () => {
  const keys = { requests: `hot:fleet:${NAME}:requests`, reply: `hot:fleet:${NAME}:reply:${randomBytes(9).toString('base64url')}` };
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  client.on('error', () => {});
  await client.connect();
  const spy = client.duplicate();
  spy.on('error', () => {});
  await spy.connect();
  try {
    // A real request, seen on the bus as an attacker would see it.
    let captured = null;
    await spy.subscribe(keys.requests, (message) => (captured ??= message));
    const reloaded = fleet(copies[0], ['reload', 'combat.js', '--canary', '4']);
    assert.is(reloaded.status, 0, reloaded.stdout + reloaded.stderr);
    assert.ok(await waitFor(() => captured, 2000), 'the request was seen on the bus');
    const before = (await ps(4)).processes.map((p) => [p.pid, p.modules.find((m) => m.file === 'combat.js').version]);
    const to = (await ps(4)).processes.map((p) => p.member);
    const now = Date.now();
    const request = (fields) => ({ v: 1, kind: 'request', id: randomBytes(12).toString('base64url'), time: Date.now(), deadline: Date.now() + 30_000, replyTo: keys.reply, to, op: 'reload', all: true, ...fields });
    await client.publish(keys.requests, captured); // replay
    await client.publish(keys.requests, sign(request(), 'another secret entirely')); // bad signature
    await client.publish(keys.requests, JSON.stringify(request())); // unsigned
    await client.publish(keys.requests, sign(request({ time: now - 120_000, deadline: now - 90_000 }))); // stale
    await client.publish(keys.requests, sign(request({ op: 'reload', files: [{ path: '../../etc/passwd', sha256: '0'.repeat(64), source: 'x' }], all: undefined }))); // signed, outside the root
    // Signed, but a push may only replace a loaded hot module: nothing new lands in the project.
    const planted = "console.log('planted');\n";
    await client.publish(keys.requests, sign(request({ op: 'reload', files: [{ path: 'planted.js', sha256: createHash('sha256').update(planted).digest('hex'), source: planted }], all: undefined })));
    // Signed, but through a symlink out of the project: refused, nothing written out there.
    const outside = mkdtempSync(join(tmpdir(), 'hot-fleet-outside-'));
    symlinkSync(outside, copies[0].path('linked'), 'dir');
    const fix = 'export default function () {}\n';
    await client.publish(keys.requests, sign(request({ op: 'hotfix', files: [{ path: 'linked/fix.js', sha256: createHash('sha256').update(fix).digest('hex'), source: fix }], all: undefined })));
    const refusals = ['refused replayed message', 'refused a message with a bad signature', 'refused an unsigned message', 'refused stale message'];
    const logged = await waitFor(() => processes.every((entry) => refusals.every((line) => entry.log().includes(`[hot] fleet: ${line}`))), 5000);
    assert.ok(logged, processes.map((entry) => entry.log()).join('\n'));
    const after = (await ps(4)).processes.map((p) => [p.pid, p.modules.find((m) => m.file === 'combat.js').version]);
    assert.equal(after, before, 'no process reloaded anything');
    assert.is(readFileSync(copies[0].path('combat.js'), 'utf8'), combat(7));
    assert.ok(!existsSync(copies[0].path('planted.js')) && !existsSync(copies[1].path('planted.js')), 'no file was planted');
    assert.equal(readdirSync(outside), [], 'nothing was written through the symlink');
    rmSync(copies[0].path('linked'));
    rmSync(outside, { recursive: true, force: true });
    // A presence key forged by someone without the secret is not a member.
    await client.set(`hot:fleet:${NAME}:member:evil/1/x`, sign({ v: 1, kind: 'member', id: 'abcdefghij', time: Date.now(), member: 'evil/1/x', host: 'evil', pid: 1, root: '/', entry: null, node: 'v0', loader: '0', started: new Date().toISOString() }, 'wrong secret'), { PX: 10_000 });
    const listed = fleet(copies[0], ['ps']);
    assert.is(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /^4 processes on 1 host\n/);
    assert.match(listed.stderr, new RegExp(`hot fleet: ignored presence key hot:fleet:${NAME}:member:evil/1/x: not signed with this secret, or stale`));
    await client.del(`hot:fleet:${NAME}:member:evil/1/x`);
  } finally {
    await spy.close();
    await client.close();
  }
});

test('a process killed mid-rollout is reported after --wait, and the others roll back; killed before a reload of files, the check stops it', async () => {
  const listed = (await ps(4)).processes;
  const victim = processes.find((p) => p.pid === listed[3].pid);
  victim.child.kill('SIGKILL');
  await new Promise((resolve) => victim.child.once('exit', resolve));
  // Its presence key outlives it by up to 6 s: the commands still count it, and must not hang on
  // it. Its last record is kept for 30 s here, so both commands below meet it however slow the machine.
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  client.on('error', () => {});
  await client.connect();
  const key = `hot:fleet:${NAME}:member:${listed[3].member}`;
  try {
    const record = await client.get(key);
    assert.ok(record, 'its presence key is still there');
    await client.set(key, record, { PX: 30_000 });
    for (const app of copies) app.write('combat.js', combat(11));
    const result = fleet(copies[0], ['reload', '--all', '--wait', '2']);
    assert.is(result.status, 3, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`wave 1: \\S+ pid ${victim.pid}\n {2}did not answer within 2 s \\(it may have died, or lost Redis\\)\n`));
    assert.match(result.stderr, /\nrolled back on 3 processes: \S+, \S+, \S+\nasked to undo it, no answer: 1 process \(\S+\); a process that comes back undoes it when the request reaches it\n$/);
    assert.ok(result.ms < 15_000, `it took ${result.ms} ms`);
    assert.ok(await allCompute('14'), 'the three live processes run the code from before');
    const checked = fleet(copies[0], ['reload', 'combat.js', '--wait', '2']);
    assert.is(checked.status, 3, checked.stdout + checked.stderr);
    assert.match(checked.stderr, new RegExp(`^check: \\S+ pid ${victim.pid}\n {2}did not answer within 2 s .*\nhot fleet: reload got no answer on \\S+ pid ${victim.pid} \\(check\\)\nnothing was applied: 1 of 4 processes cannot take it \\(checked before the rollout\\)\n$`));
    assert.ok(await allCompute('14'));
  } finally {
    await client.del(key);
    await client.close();
  }
  await ps(3);
});

test('a process stopped mid-rollout (SIGSTOP) that resumes after the command gave up ends without the change: the undo is queued behind it', async () => {
  const listed = (await ps(3)).processes;
  const sleeper = processes.find((p) => p.pid === listed[2].pid);
  process.kill(sleeper.pid, 'SIGSTOP');
  try {
    // combat.js on disk is combat(11) since the last test; every process runs 14.
    const result = fleet(copies[0], ['reload', '--all', '--wait', '2']);
    assert.is(result.status, 3, result.stdout + result.stderr);
    assert.match(result.stderr, new RegExp(`wave 1: \\S+ pid ${sleeper.pid}\n {2}did not answer within 2 s`));
  } finally {
    process.kill(sleeper.pid, 'SIGCONT');
  }
  // It now reads the reload (it cannot tell it is late: deadlines are spans on the receiver's
  // clock), applies it, then the undo the command queued behind it. Once it answers ps (its
  // requests run in order), both have run.
  await ps(3);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(await allCompute('14'), 'no process runs the change, the one that slept included');
});

test('Redis down: a process starts anyway; Redis back: every process rejoins and a reload reaches all', async () => {
  await stopRedis();
  const down = fleet(copies[0], ['ps']);
  assert.is(down.status, 3);
  assert.match(down.stderr, new RegExp(`^hot fleet: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: `));
  const late = start(copies[1]);
  assert.ok(await waitFor(() => output(late) === '22', 10_000), 'the new process runs while Redis is down');
  assert.ok(await waitFor(() => late.log().includes(`[hot] fleet: cannot reach Redis at redis://127.0.0.1:${port}`), 5000), late.log());
  for (const entry of live().filter((entry) => entry !== late)) assert.ok(await waitFor(() => entry.log().includes('[hot] fleet: lost Redis at'), 5000), entry.log());
  redis = await startRedis();
  await ps(4);
  for (const entry of live()) assert.ok(await waitFor(() => /\[hot\] fleet: (re)?joined /.test(entry.log().split('lost Redis').pop()), 10_000), entry.log());
  assert.match(late.log(), /\[hot\] fleet: joined /);
  for (const app of copies) app.write('combat.js', combat(13));
  const result = fleet(copies[0], ['reload', 'combat.js']);
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.ok(await allCompute('26'));
});

test('node:cluster: the primary and each worker join as processes of their own, and a fleet reload reaches every worker', async () => {
  const name = `${NAME}-cluster`;
  const app = project({
    'package.json': JSON.stringify({ name: 'arena', type: 'module', hot: { fleet: { url: `redis://127.0.0.1:${port}`, name } } }),
    'cluster.js': `import cluster from 'node:cluster';
import { renameSync, writeFileSync } from 'node:fs';
import { damage } from './combat.js';
if (cluster.isPrimary) {
  cluster.fork();
  cluster.fork();
} else {
  setInterval(() => { writeFileSync('out-' + process.pid + '.part', String(damage(2))); renameSync('out-' + process.pid + '.part', 'out-' + process.pid); }, 25);
}
`,
    'combat.js': combat(2),
  });
  copies.push(app);
  const primary = spawn(node, ['--import', '@hot/loader', 'cluster.js'], { cwd: app.dir, env: { ...process.env, HOT_FLEET_SECRET: SECRET, NODE_ENV: 'production', HOT_WATCH: '0', HOT_CONTROL: '0', HOT_QUIET: '1' }, stdio: 'ignore' });
  processes.push({ pid: primary.pid, app, child: primary, log: () => '' });
  try {
    let listed;
    await waitFor(() => {
      const result = fleet(app, ['ps', '--json']);
      listed = result.status === 0 ? result.json() : null;
      return listed?.answered === 3;
    }, 20_000);
    assert.is(listed?.answered, 3, 'the primary and two workers');
    const workers = listed.processes.map((p) => p.pid).filter((pid) => pid !== primary.pid);
    assert.is(workers.length, 2);
    const outputs = () => workers.map((pid) => (existsSync(app.path(`out-${pid}`)) ? readFileSync(app.path(`out-${pid}`), 'utf8') : null));
    assert.ok(await waitFor(() => outputs().every((value) => value === '4'), 5000), String(outputs()));
    app.write('combat.js', combat(5));
    const result = fleet(app, ['reload', 'combat.js']);
    assert.is(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /\nreload applied on 3 processes\n$/);
    assert.ok(await waitFor(() => outputs().every((value) => value === '10'), 5000), String(outputs()));
  } finally {
    primary.kill('SIGKILL');
    // Workers of a killed primary see their channel close and exit.
  }
});

test('a process that ends by itself leaves the fleet at once (its presence key is deleted, not left to expire)', async () => {
  const app = copies[0];
  app.write('brief.js', "import { damage } from './combat.js';\nsetTimeout(() => damage(1), 3000);\n");
  const before = (await ps(live().length)).fleet;
  const child = spawn(node, ['--import', '@hot/loader', 'brief.js'], { cwd: app.dir, env: { ...process.env, HOT_FLEET_SECRET: SECRET, NODE_ENV: 'production', HOT_WATCH: '0', HOT_CONTROL: '0', HOT_QUIET: '1' }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const joined = await waitFor(() => {
    const result = fleet(app, ['ps', '--json']);
    return result.status === 0 && result.json().processes.some((p) => p.pid === child.pid);
  }, 5000);
  assert.ok(joined, 'it joined while it ran');
  assert.is(await exited, 0, 'it ended by itself: the fleet agent kept nothing alive');
  const listed = fleet(app, ['ps', '--json']).json();
  assert.is(listed.fleet, before, 'gone from the fleet as soon as it ended');
  assert.ok(!listed.processes.some((p) => p.pid === child.pid));
});

test('usage errors: exit 2 with the reason, and no fleet configured', () => {
  const cases = [
    [['bogus'], "hot fleet: unknown fleet command 'bogus'; commands: ps, reload, hotfix, rollback"],
    [['hotfix'], 'hot fleet: hot fleet hotfix takes one file, got 0'],
    [['reload', '--push'], 'hot fleet: --push sends the named files with a reload: hot fleet reload --push <files...>'],
    [['reload', 'combat.js', '--canary', '0'], "hot fleet: --canary takes a number of processes (1 or more), got '0'"],
    [['reload', 'missing.js'], 'hot fleet: missing.js does not exist'],
    [['hotfix', 'combat.js', '--all'], 'hot fleet: --all applies to reload'],
    [['reload', '--wait', '5000'], "hot fleet: --wait takes a number of seconds (at most 3600), got '5000'"],
    [['reload', '../outside.js'], /^hot fleet: (\.\.\/outside\.js does not exist|\.\.\/outside\.js is outside the project root )/],
  ];
  for (const [args, message] of cases) {
    const result = fleet(copies[0], args);
    assert.is(result.status, 2, args.join(' ') + result.stderr);
    if (typeof message === 'string') assert.is(result.stderr.split('\n')[0], message);
    else assert.match(result.stderr, message);
  }
  const expect = fleet(copies[0], ['reload', '--all', '--expect', '9']);
  assert.is(expect.status, 3);
  assert.match(expect.stderr, /^hot fleet: \d processes of fleet \S+ found, --expect 9: nothing was sent/);
  const noSecret = fleet(copies[0], ['ps'], { HOT_FLEET_SECRET: '' });
  assert.is(noSecret.status, 2);
  assert.is(noSecret.stderr.split('\n')[0], 'hot fleet: the fleet has a URL but no shared secret: set HOT_FLEET_SECRET (the same in every process and for hot fleet)');
  const bare = project({ 'server.js': '' });
  try {
    const none = spawnSync(node, [bin, 'fleet', 'ps'], { cwd: bare.dir, encoding: 'utf8', env: { ...process.env, HOT_FLEET_URL: '', HOT_FLEET_SECRET: SECRET } });
    assert.is(none.status, 2);
    assert.match(none.stderr, /^hot fleet: no fleet is configured for \S+: set "fleet": \{ "url": "redis:\/\/…", "name": "<game>" \} in the "hot" config, or HOT_FLEET_URL and HOT_FLEET_NAME\n/);
  } finally {
    bare.remove();
  }
});

test.run();
