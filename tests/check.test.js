// `hot check` as CI runs it: the real bin starts each fixture app (tests/fixtures/check/) in a
// child process, reloads every module for three rounds, and the findings are asserted exactly:
// none for a clean game server and for the express, fastify, hono and ws servers of the
// real-servers suite; one of each kind for the apps that break or leak.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node, project } from './support/project.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.HOT_TEST_BIN ?? join(here, '..', 'dist', 'cli', 'main.cjs');
const LINKS = ['@hot/loader', 'express', 'fastify', 'hono', '@hono/node-server', 'ws'];

/** A fixture app of tests/fixtures/check/, plus `extra` files, as a project of its own. */
function fixture(name, extra = {}) {
  const directory = join(here, 'fixtures', 'check', name);
  const files = {};
  for (const file of readdirSync(directory)) files[file] = readFileSync(join(directory, file), 'utf8');
  return project({ ...files, ...extra }, { link: LINKS });
}

/** Runs `hot check ...args` in the app; returns { status, stdout, stderr, lines }. */
function check(app, args, env = {}) {
  const result = spawnSync(node, [bin, 'check', ...args], { cwd: app.dir, encoding: 'utf8', env: { ...process.env, GITHUB_ACTIONS: '', ...env }, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, lines: result.stdout.split('\n') };
}

/** `hot check --json` of a fixture: its result, with each finding as { check, at: 'file:line:col', message }. */
function checkJson(name, args = [], extra = {}) {
  const app = fixture(name, extra);
  try {
    const result = check(app, ['--json', ...args, 'server.js']);
    assert.ok(result.status === 0 || result.status === 1, `${name}: exit ${result.status}\n${result.stderr}`);
    const json = JSON.parse(result.stdout);
    assert.is(result.status, json.ok ? 0 : 1, `${name}: the exit code follows the findings`);
    const findings = json.findings.map((f) => ({ check: f.check, at: [f.file ? basename(f.file) : null, f.line, f.column].filter((x) => x !== null).join(':'), message: f.message }));
    return { ...json, findings, status: result.status };
  } finally {
    app.remove();
  }
}

const alive = (pid) => {
  // kill(0) would signal our own process group: only a real pid can be alive.
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`not a pid: ${pid}`);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a clean game server: no findings, exit 0; with passing invariants too', () => {
  const app = fixture('clean');
  try {
    const result = check(app, ['server.js', '--invariants', 'invariants.js']);
    assert.is(result.status, 0, result.stdout + result.stderr);
    assert.match(result.lines[0], /^hot check server\.js: 3 rounds over 3 modules, each reloaded unchanged and as if edited \(\d+\.\d s\)$/);
    assert.equal(result.lines.slice(1), ['', 'ok: no findings', '']);
  } finally {
    app.remove();
  }
});

test('the express, fastify, hono and ws servers of the real-servers suite: no findings', () => {
  for (const name of ['express', 'fastify', 'hono', 'ws']) {
    const result = checkJson(name);
    assert.equal(result.findings, [], `${name}: ${JSON.stringify(result.findings, null, 1)}`);
    assert.is(result.rounds, 3);
    assert.ok(result.modules >= 1, name);
    if (name === 'fastify') {
      assert.equal(result.warnings.map((w) => [basename(w.module), w.message]), [['server.js', 'the new code awaits at its top level: other code ran while the batch was open and could see it half applied (writes are never lost)']], 'fastify: the top-level await is a warning, not a finding');
    }
  }
});

test('middleware added to a kept express app by a statement: the statement that grows its router stack', () => {
  const result = checkJson('middleware');
  assert.equal(result.findings.map(({ check, at }) => ({ check, at })), [{ check: 'growth', at: 'app.js:8' }]);
  assert.match(result.findings[0].message, /^app\.router\.stack \(held by app in app\.js\) grows by 1 each time this statement runs again \(1 → 2 → 3 → 4 → 5\)/);
});

test('an interval and a listener made after an await, where the runtime cannot release them: their calls', () => {
  const result = checkJson('leak');
  assert.equal(result.findings.map(({ check, at }) => ({ check, at })), [
    { check: 'growth', at: 'boot.js:11:3' },
    { check: 'growth', at: 'boot.js:12:11' },
  ]);
  assert.match(result.findings[0].message, /^1 more timer per reload \(0 → 1 → 2 → 3 after rounds 0-3\), made here and never released/);
  assert.match(result.findings[1].message, /^1 more listener 'SIGHUP' on process per reload \(0 → 1 → 2 → 3 after rounds 0-3\)/);
});

test('a @hot replace-data value another module holds: an identity finding at its declaration', () => {
  const result = checkJson('identity');
  assert.equal(result.findings.map(({ check, at }) => ({ check, at })), [{ check: 'identity', at: 'weapons.js:2:14' }]);
  assert.match(result.findings[0].message, /^WEAPONS is replaced by every reload .* but the value it replaced is still held elsewhere/);
});

test('a module whose top level throws when it runs again: a reload finding at file:line:col, and the rounds go on without it', () => {
  const result = checkJson('rerun-throws');
  assert.equal(result.findings, [{
    check: 'reload',
    at: 'plugins.js:4:35',
    message: 'the reload fails when its top-level code runs again (a reload as if every line were edited): ERR_HOT_EVALUATION: plugin chat is already registered',
  }]);
  assert.ok(result.batches >= 7, `the edited round ran again without plugins.js (${result.batches} batches)`);
});

test('a user invariant that fails: one finding at the throw, naming the rounds', () => {
  const result = checkJson('invariant', ['--invariants', 'invariants.js']);
  assert.equal(result.findings, [{
    check: 'invariant',
    at: 'invariants.js:5:40',
    message: 'playersKept fails after rounds 1, 2, 3: the players Map was replaced: every player would be dropped',
  }]);
});

test('heap that grows far above what module records cost: the module is named', () => {
  const result = checkJson('clean', [], {
    'cache.js': '// Each run keeps 8 MB more, where no binding shows it.\n(globalThis.caches ??= []).push(new Float64Array(1_000_000).fill(1));\n',
    'server.js': readFileSync(join(here, 'fixtures', 'check', 'clean', 'server.js'), 'utf8').replace("import { Player } from './player.js';", "import { Player } from './player.js';\nimport './cache.js';"),
  });
  assert.equal(result.findings.map(({ check, at }) => ({ check, at })), [{ check: 'heap', at: 'cache.js:1' }]);
  assert.match(result.findings[0].message, /^each reload of this module keeps \d+\.\d MiB more heap/);
  assert.ok(result.heap.perRoundBytes > 6_000_000, `per round: ${result.heap.perRoundBytes} (8 MB kept per run, less what else the round freed)`);
});

test('GitHub Actions annotations, and the human table', () => {
  const app = fixture('leak');
  try {
    const result = check(app, ['server.js'], { GITHUB_ACTIONS: 'true' });
    assert.is(result.status, 1);
    assert.match(result.lines[0], /^hot check server\.js: 3 rounds over 2 modules/);
    assert.equal(result.lines.slice(1, 5).map((line) => line.replace(/ \(.*$/, '')), ['', 'boot.js', '  boot.js:11:3   growth    1 more timer per reload', "  boot.js:12:11  growth    1 more listener 'SIGHUP' on process per reload"]);
    assert.is(result.lines[6], '2 findings in 1 module');
    assert.match(result.lines[7], /^::error file=boot\.js,line=11,col=3,title=hot check%3A growth::1 more timer per reload \(0 → 1 → 2 → 3 after rounds 0-3\)/);
    assert.match(result.lines[8], /^::error file=boot\.js,line=12,col=11,title=hot check%3A growth::1 more listener 'SIGHUP'/);
  } finally {
    app.remove();
  }
});

test('usage errors and apps that do not start or get ready: exit 2, and the app is always stopped', async () => {
  const app = fixture('clean', {
    'crash.js': "console.log('starting');\nthrow new Error('no config');\n",
    // The pid is written whole (renamed into place): a reader never sees an empty or partial file.
    'never.js': "import { renameSync, writeFileSync } from 'node:fs';\nwriteFileSync('pid.part', String(process.pid));\nrenameSync('pid.part', 'pid');\nsetInterval(() => {}, 1000);\n",
  });
  try {
    const usage = [
      [[], 'hot: hot check takes the entry file: hot check server.js'],
      [['a.js', 'b.js'], "hot: hot check takes one entry file, got a.js b.js; pass the app's arguments after --"],
      [['--rounds', '0', 'server.js'], "hot: --rounds takes an integer from 1 to 100, got '0'"],
      [['--ready-line', '(', 'server.js'], /^hot: --ready-line is not a regular expression: /],
      [['--ready-line', 'x', '--ready-call', 'server.js'], 'hot: --ready-line and --ready-call are two ways to say when the app is ready: pass one'],
    ];
    for (const [args, message] of usage) {
      const result = check(app, args);
      assert.is(result.status, 2, args.join(' '));
      if (typeof message === 'string') assert.is(result.stderr.split('\n')[0], message);
      else assert.match(result.stderr, message);
    }
    const missing = check(app, ['missing.js']);
    assert.is(missing.status, 2);
    assert.is(missing.stderr.split('\n')[0], 'hot check: missing.js does not exist');

    const crash = check(app, ['crash.js']);
    assert.is(crash.status, 2);
    assert.match(crash.stderr, /^hot check: the app exited with code 1 before the check ended\nthe app's last output:\n {2}\| starting\n/);
    assert.match(crash.stderr, /Error: no config/);

    const late = check(app, ['--ready-call', '--timeout', '1', 'never.js']);
    assert.is(late.status, 2);
    assert.is(late.stderr.split('\n')[0], 'hot check: the app was not ready within 1 s (waited for the app to call ready()); raise --timeout, or say when it is ready with --ready-line or --ready-call');
    const pid = Number(readFileSync(app.path('pid'), 'utf8'));
    assert.is(alive(pid), false, 'the app was stopped after the timeout');

    // Ctrl-C while it waits: exit 130, the app stopped.
    const child = spawn(node, [bin, 'check', '--ready-call', 'never.js'], { cwd: app.dir });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const pidNow = () => (existsSync(app.path('pid')) ? Number(readFileSync(app.path('pid'), 'utf8')) : pid);
    for (let i = 0; i < 400 && pidNow() === pid; i++) await new Promise((r) => setTimeout(r, 25));
    const second = pidNow();
    assert.is.not(second, pid, 'the second app started');
    child.kill('SIGINT');
    assert.is(await exited, 130, stderr);
    assert.match(stderr, /hot check: interrupted \(SIGINT\); the app was stopped/);
    if (alive(second)) {
      // Say how long it outlived the command (its watchdog stops it within 250 ms of it).
      const since = Date.now();
      for (let i = 0; i < 100 && alive(second); i++) await new Promise((r) => setTimeout(r, 20));
      assert.unreachable(`the app outlived hot check after Ctrl-C (${alive(second) ? 'still running' : `gone ${Date.now() - since} ms later`}); stderr: ${stderr}`);
    }
  } finally {
    app.remove();
  }
});

test('--ready-line, app arguments after --, and ready() with --ready-call', () => {
  const app = fixture('clean', {
    'args.js': "import './server.js';\nif (process.argv[2] !== '--port-from-env') throw new Error('no argument: ' + process.argv.slice(2));\n",
    'called.js': "import { ready } from '@hot/loader/runtime';\nimport './server.js';\nsetTimeout(ready, 300);\n",
  });
  try {
    const line = check(app, ['--ready-line', '^listening$', 'args.js', '--', '--port-from-env']);
    assert.is(line.status, 0, line.stdout + line.stderr);
    assert.match(line.lines[0], /^hot check args\.js: 3 rounds over 4 modules/);
    const called = check(app, ['--ready-call', '--rounds', '1', 'called.js']);
    assert.is(called.status, 0, called.stdout + called.stderr);
    assert.match(called.lines[0], /^hot check called\.js: 1 round over 4 modules/);
  } finally {
    app.remove();
  }
});

test("a server handed on through import.meta.hot.data (README's pattern) stays the same, listening, through edited rounds", () => {
  const app = project({
    'server.js': "import { createServer } from 'node:http';\nconst data = import.meta.hot?.data ?? {};\nexport const server = (data.server ??= createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1'));\n",
    'invariants.js': "import { server } from './server.js';\nexport function sameServerListening({ state }) {\n  state.server ??= server;\n  if (server !== state.server) throw new Error('another server');\n  if (!server.listening) throw new Error('the server stopped listening');\n}\n",
  }, { link: LINKS });
  try {
    const result = check(app, ['--json', '--invariants', 'invariants.js', 'server.js']);
    assert.is(result.status, 0, result.stdout + result.stderr);
    assert.equal(JSON.parse(result.stdout).findings, []);
  } finally {
    app.remove();
  }
});

test('checkReloadSafety() in the process: the same findings, the calling module left out', () => {
  const app = fixture('leak', {
    'test.js': `import { checkReloadSafety } from '@hot/loader/runtime';
import './server.js';
const result = await checkReloadSafety({ rounds: 2 });
console.log(JSON.stringify({ ok: result.ok, modules: result.modules, findings: result.findings.map((f) => [f.check, f.file.split('/').pop(), f.line]) }));
process.exit(0);
`,
  });
  try {
    const result = app.run(['--import', '@hot/loader', 'test.js'], { env: { HOT_QUIET: '1', HOT_WATCH: '0' } });
    assert.is(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout.trim().split('\n').pop()), { ok: false, modules: 2, findings: [['growth', 'boot.js', 11], ['growth', 'boot.js', 12]] });
  } finally {
    app.remove();
  }
});

test.run();
