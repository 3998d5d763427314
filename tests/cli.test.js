// The `hot` command as a user runs it: the real bin against real hot processes, asserting
// exact output lines and exit codes (0 applied, 1 failed, 2 usage, 3 no process / refused).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node, project } from './support/project.js';
import { controlDir, startApp } from './support/control.js';

const bin = process.env.HOT_TEST_BIN ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.cjs');

/** Runs `hot ...args` in `cwd`; returns { status, stdout, stderr, lines }. */
function hot(args, { cwd, dir, env = {} }) {
  const result = spawnSync(node, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOT_CONTROL_DIR: dir, ...env }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, lines: result.stdout.split('\n').filter((l) => l !== '') };
}

/** Runs `hot ...args` asynchronously (while this process serves a fake endpoint). */
function hotAsync(args, { cwd, dir }) {
  return new Promise((resolve) => {
    const child = spawn(node, [bin, ...args], { cwd, env: { ...process.env, HOT_CONTROL_DIR: dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const APP = {
  'server.js': `import { hit } from './combat.js';\nsetInterval(hit, 5);\n`,
  'combat.js': `export let hits = 0;\nexport function hit() { hits++; return 'v1'; }\n`,
  'notes.js': `export const notHot = 1;\n`,
};

const BATCH = (text) => new RegExp(`^${text.replace(/[()]/g, '\\$&')} \\(batch \\d+, \\d+(\\.\\d+)? ms\\)$`);

test('usage: help, errors with exit 2, and no process with exit 3', () => {
  const app = project(APP);
  const dir = controlDir();
  try {
    const help = hot(['--help'], { cwd: app.dir, dir });
    assert.is(help.status, 0);
    assert.is(help.lines[0], 'Usage: hot <command> [options]');
    assert.ok(help.lines.includes('  hotfix <file>       run a hotfix file inside the process'));
    const reloadHelp = hot(['reload', '--help'], { cwd: app.dir, dir });
    assert.is(reloadHelp.status, 0);
    assert.is(reloadHelp.lines[0], 'Usage: hot reload [files...] [--all] [--pid <pid|all>] [--json]');
    const bare = hot([], { cwd: app.dir, dir });
    assert.is(bare.status, 2);
    assert.match(bare.stderr, /^Usage: hot <command>/);
    const usage = [
      [['frob'], "hot: unknown command 'frob'; commands: reload, rollback, status, hotfix, ps, check, fleet"],
      [['hotfix'], 'hot: hot hotfix takes one file, got 0'],
      [['status', 'x.js'], 'hot: hot status takes no files, got x.js'],
      [['reload', '--all', 'x.js'], 'hot: hot reload --all reloads every module: name files or pass --all, not both'],
      [['status', '--pid', 'abc'], "hot: --pid takes a process id or 'all', got 'abc'"],
    ];
    for (const [args, message] of usage) {
      const result = hot(args, { cwd: app.dir, dir });
      assert.is(result.status, 2, args.join(' '));
      assert.is(result.stdout, '');
      assert.equal(result.stderr.split('\n'), [message, 'Run hot --help for usage.', ''], args.join(' '));
    }
    const unknown = hot(['status', '--bogus'], { cwd: app.dir, dir });
    assert.is(unknown.status, 2);
    assert.match(unknown.stderr, /^hot: Unknown option '--bogus'.*\nRun hot --help for usage\.\n$/);
    for (const command of [['status'], ['reload'], ['rollback'], ['ps']]) {
      const none = hot(command, { cwd: app.dir, dir });
      assert.is(none.status, 3, command[0]);
      assert.is(none.stdout, '');
      assert.is(none.stderr, `hot: no hot process of ${app.dir} is running; start one with: node --import @hot/loader <entry.js>\n`);
    }
  } finally {
    app.remove();
  }
});

test('one process: ps, status, reload (named, changed, --all), a failed reload with its source line, rollback, refused files', async () => {
  const app = project(APP);
  const dir = controlDir();
  const running = await startApp(app, { dir });
  const run = (...args) => hot(args, { cwd: app.dir, dir });
  try {
    const ps = run('ps');
    assert.is(ps.status, 0);
    assert.is(ps.lines.length, 2);
    assert.match(ps.lines[0], /^PID\s+PORT\s+UP\s+NODE\s+ENTRY$/);
    assert.match(ps.lines[1], new RegExp(`^${running.pid}\\s+${running.discovery.port}\\s+\\d+s\\s+v\\d+\\.\\d+\\.\\d+\\s+server\\.js$`));

    const status = run('status');
    assert.is(status.status, 0, status.stderr);
    assert.match(status.lines[0], new RegExp(`^pid ${running.pid}: node v[\\d.]+, up \\d+s, entry server\\.js$`));
    assert.equal(status.lines.slice(1), ['watcher off (HOT_WATCH=0): reload with hot reload', '  combat.js v1', '  server.js v1', '2 hot modules, 0 old versions kept by Node (~0 B)']);

    app.write('combat.js', `export let hits = 0;\nexport function hit() { hits++; return 'v2'; }\nexport function heal() {}\n`);
    const named = run('reload', 'combat.js');
    assert.is(named.status, 0, named.stderr);
    assert.is(named.lines.length, 2, named.stdout);
    assert.is(named.lines[0], 'combat.js v2: replaced hit; added heal; kept hits');
    assert.match(named.lines[1], BATCH('reload applied to 1 module'));

    const nothing = run('reload');
    assert.is(nothing.status, 0);
    assert.equal(nothing.lines.length, 1);
    assert.match(nothing.lines[0], BATCH('reload: nothing to do'));

    const all = run('reload', '--all');
    assert.is(all.status, 0);
    assert.equal(all.lines.slice(0, 2), ['combat.js v3: kept hits', 'server.js v2: no change']);
    assert.match(all.lines[2], BATCH('reloadAll applied to 2 modules'));

    app.write('combat.js', `export let hits = 0;\nexport function hit() {\n\thits++; return 'v3' +;\n}\n`);
    const broken = run('reload');
    assert.is(broken.status, 1);
    assert.match(broken.lines[0], BATCH('reload failed, nothing changed'));
    assert.equal(broken.lines.slice(1), [
      'combat.js:3:23 ERR_HOT_PARSE Unexpected token',
      ' 3 | \thits++; return \'v3\' +;',
      '   | \t                     ^',
    ]);

    const undo = run('rollback');
    assert.is(undo.status, 0, undo.stdout + undo.stderr);
    assert.equal(undo.lines.slice(0, -1), ['combat.js v2: rolled back batch 3', 'server.js v1: rolled back batch 3']);
    assert.match(undo.lines.at(-1), BATCH('rollback applied to 2 modules'));

    const notHot = run('reload', 'notes.js');
    assert.is(notHot.status, 1);
    assert.equal(notHot.lines, ['reload failed, nothing changed', 'ERR_HOT_NOT_HOT notes.js is not a loaded hot module of this process: it is not imported yet, or excluded by config']);
    const escape = run('reload', '../../../etc/passwd');
    assert.is(escape.status, 1);
    assert.match(escape.lines[1], /^ERR_HOT_OUTSIDE_ROOT .*etc\/passwd is outside the project root /);
  } finally {
    await running.stop();
    app.remove();
  }
});

test('--json prints the reports and status as JSON; NO_COLOR and pipes print no colour; a terminal gets colour', async () => {
  const app = project(APP);
  const dir = controlDir();
  const running = await startApp(app, { dir });
  try {
    const status = hot(['status', '--json'], { cwd: app.dir, dir });
    assert.is(status.status, 0);
    const parsed = JSON.parse(status.stdout);
    assert.is(parsed.pid, running.pid);
    assert.equal(parsed.modules.map((m) => [m.file, m.version]), [[app.path('combat.js'), 1], [app.path('server.js'), 1]]);
    app.write('combat.js', `export let hits = 0;\nexport function hit() { hits++; return 'v2'; }\n`);
    const reload = hot(['reload', 'combat.js', '--json'], { cwd: app.dir, dir });
    assert.is(reload.status, 0);
    const report = JSON.parse(reload.stdout);
    assert.is(report.pid, running.pid);
    assert.is(report.op, 'reload');
    assert.is(report.ok, true);
    assert.equal(report.modules.map((m) => [m.file, m.version, m.replaced, m.kept]), [[app.path('combat.js'), 2, ['hit'], ['hits']]]);
    const failed = hot(['reload', 'notes.js', '--json'], { cwd: app.dir, dir });
    assert.is(failed.status, 1);
    assert.equal(JSON.parse(failed.stdout).error.code, 'ERR_HOT_NOT_HOT');
    const ps = hot(['ps', '--json'], { cwd: app.dir, dir });
    const listed = JSON.parse(ps.stdout);
    assert.equal(listed.map((p) => p.pid), [running.pid]);
    assert.not.ok('token' in listed[0], 'ps never prints the token');

    assert.not.match(hot(['reload', 'combat.js'], { cwd: app.dir, dir }).stdout, /\x1b\[/, 'a pipe gets no colour');
    const inTerminal = (env) => spawnSync('script', ['-qec', `"${node}" "${bin}" reload combat.js`, '/dev/null'], { cwd: app.dir, encoding: 'utf8', env: { ...process.env, HOT_CONTROL_DIR: dir, ...env } }).stdout;
    const coloured = inTerminal({ NO_COLOR: '' });
    assert.match(coloured, /\x1b\[1mcombat\.js\x1b\[22m v4: kept hits/, `a terminal gets colour: ${JSON.stringify(coloured)}`);
    assert.match(coloured, /\x1b\[32mapplied\x1b\[39m/);
    const plain = inTerminal({ NO_COLOR: '1' });
    assert.match(plain, /combat\.js v5: kept hits/);
    assert.not.match(plain, /\x1b\[/, 'NO_COLOR: none');
  } finally {
    await running.stop();
    app.remove();
  }
});

test('hotfix: applied, thrown half-way (with the source line), refused, rolled back, superseded by a reload', async () => {
  const app = project({
    ...APP,
    'hotfixes/fix.js': "export default function (hot) {\n  hot.module('../combat.js').fn('hit', function hit() { return 'patched'; });\n}\n",
    'hotfixes/bad.js': "export default function (hot) {\n  hot.module('../combat.js').fn('hit', function hit() { return 'patched'; });\n  throw new Error('gave up');\n}\n",
    'hotfixes/misuse.js': "export default function (hot) {\n  hot.module('../combat.js').fn('hot', function hit() {});\n}\n",
  });
  const dir = controlDir();
  const running = await startApp(app, { dir });
  const run = (...args) => hot(args, { cwd: app.dir, dir });
  try {
    const applied = run('hotfix', 'hotfixes/fix.js');
    assert.is(applied.status, 0, applied.stderr);
    assert.is(applied.lines[0], 'combat.js v1: patched hit');
    assert.match(applied.lines[1], BATCH('hotfix hotfixes/fix.js applied to 1 module'));
    assert.is(applied.lines.length, 2);

    const bad = run('hotfix', 'hotfixes/bad.js');
    assert.is(bad.status, 1);
    assert.match(bad.lines[0], BATCH('hotfix hotfixes/bad.js failed, nothing changed'));
    assert.equal(bad.lines.slice(1), ['hotfixes/bad.js:3:9 ERR_HOT_EVALUATION gave up', " 3 |   throw new Error('gave up');", '   |         ^']);

    const misuse = run('hotfix', 'hotfixes/misuse.js');
    assert.is(misuse.status, 1);
    assert.equal(misuse.lines.slice(1), [
      `hotfixes/misuse.js:2:30 ERR_HOT_HOTFIX ${app.path('combat.js')}: fn("hot"): the module has no binding 'hot'; its bindings: hits, hit`,
      " 2 |   hot.module('../combat.js').fn('hot', function hit() {});",
      '   |                              ^',
    ]);
    const outside = run('hotfix', '../x.js');
    assert.is(outside.status, 1);
    assert.match(outside.lines[1], /^ERR_HOT_OUTSIDE_ROOT /);

    const undo = run('rollback');
    assert.is(undo.status, 0);
    assert.is(undo.lines[0], `combat.js v1: rolled back batch 1 (hotfix ${app.path('hotfixes/fix.js')})`);

    assert.is(run('hotfix', 'hotfixes/fix.js').status, 0);
    app.write('combat.js', `export let hits = 0;\nexport function hit() { hits++; return 'v2'; }\n`);
    const reload = run('reload');
    assert.is(reload.status, 0);
    assert.equal(reload.lines.slice(0, 2), ['combat.js v2: replaced hit; kept hits', "  warning: hotfix hotfixes/fix.js (batch 5) superseded: hit now runs the file's code"]);
    const json = JSON.parse(run('hotfix', 'hotfixes/fix.js', '--json').stdout);
    assert.equal([json.op, json.ok, json.hotfix, json.modules[0].patched], ['hotfix', true, app.path('hotfixes/fix.js'), ['hit']]);
  } finally {
    await running.stop();
    app.remove();
  }
});

test('several processes: a choice is required (exit 2), --pid picks one, --pid all reports each', async () => {
  const app = project(APP);
  const dir = controlDir();
  const first = await startApp(app, { dir });
  const second = await startApp(app, { dir });
  const pids = [first.pid, second.pid].sort((a, b) => a - b);
  try {
    const ambiguous = hot(['status'], { cwd: app.dir, dir });
    assert.is(ambiguous.status, 2);
    assert.is(ambiguous.stderr, `hot: 2 hot processes of ${app.dir} are running (pids ${pids.join(', ')}); choose one with --pid <pid>, or each with --pid all\n`);
    const one = hot(['status', '--pid', String(second.pid)], { cwd: app.dir, dir });
    assert.is(one.status, 0);
    assert.match(one.lines[0], new RegExp(`^pid ${second.pid}: `));
    const each = hot(['reload', 'combat.js', '--pid', 'all'], { cwd: app.dir, dir });
    assert.is(each.status, 0, each.stderr);
    assert.equal(each.lines.filter((line) => /^pid \d+:$/.test(line)), pids.map((pid) => `pid ${pid}:`));
    assert.equal(each.lines.filter((line) => line.startsWith('combat.js')), ['combat.js v2: kept hits', 'combat.js v2: kept hits']);
    const json = JSON.parse(hot(['status', '--all', '--json'], { cwd: app.dir, dir }).stdout);
    assert.equal(json.map((s) => s.pid), pids);
    const ps = hot(['ps'], { cwd: app.dir, dir });
    assert.is(ps.lines.length, 3);
    const missing = hot(['status', '--pid', '999999'], { cwd: app.dir, dir });
    assert.is(missing.status, 3);
    assert.is(missing.stderr, `hot: no hot process with pid 999999 (running: ${pids.join(', ')})\n`);
  } finally {
    await first.stop();
    await second.stop();
    app.remove();
  }
});

test('stale discovery files are removed; an endpoint that is gone or refuses gives exit 3', async () => {
  const app = project(APP);
  const dir = controlDir();
  mkdirSync(dir, { mode: 0o700 });
  const dead = spawnSync(node, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout);
  const stale = join(dir, `${deadPid}.json`);
  writeFileSync(stale, JSON.stringify({ pid: deadPid, host: '127.0.0.1', port: 1, token: 't', root: app.dir, entry: null, node: 'v0', loader: '0', started: new Date().toISOString() }), { mode: 0o600 });
  try {
    const ps = hot(['ps'], { cwd: app.dir, dir });
    assert.is(ps.status, 3);
    assert.not.ok(existsSync(stale), 'the file of a dead process is removed');

    // A live pid (this test) whose port has nothing listening, then a server that refuses.
    const closed = createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = closed.address().port;
    await new Promise((resolve) => closed.close(resolve));
    const mine = join(dir, `${process.pid}.json`);
    writeFileSync(mine, JSON.stringify({ pid: process.pid, host: '127.0.0.1', port, token: 't', root: app.dir, entry: null, node: 'v0', loader: '0', started: new Date().toISOString() }), { mode: 0o600 });
    const gone = await hotAsync(['status'], { cwd: app.dir, dir });
    assert.is(gone.status, 3);
    assert.is(gone.stderr, `hot: cannot reach pid ${process.pid} at 127.0.0.1:${port}: ECONNREFUSED\n`);

    const refusing = createServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"error":"token"}')));
    await new Promise((resolve) => refusing.listen(port, '127.0.0.1', resolve));
    const refused = await hotAsync(['status'], { cwd: app.dir, dir });
    refusing.close();
    assert.is(refused.status, 3);
    assert.is(refused.stderr, `hot: pid ${process.pid} refused the connection: 401 token\n`);
  } finally {
    app.remove();
  }
});

test.run();
