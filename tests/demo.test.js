// demo-game/ as its players and its operator meet it: the arena runs under the loader (its
// watcher on) in a process of its own, in a copy of demo-game/; the tour runs against it and
// each step is asserted; a real Chromium (Debian's, driven by playwright-core) loads the page,
// joins, moves, and sees an edit apply on the same websocket while a broken edit changes nothing.
// Screenshots go to test-artifacts/ (not committed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node, project } from './support/project.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const bin = process.env.HOT_TEST_BIN ?? join(root, 'dist', 'cli', 'main.cjs');
const artifacts = join(root, 'test-artifacts');

/** The arena, copied into a project of its own, started under the loader with its watcher on. */
async function startArena() {
  const app = project({}, { link: ['@hot/loader', 'ws'] });
  cpSync(join(root, 'demo-game'), app.path('demo-game'), { recursive: true });
  const control = mkdtempSync(join(tmpdir(), 'hot-demo-control-'));
  const child = spawn(node, ['--import', '@hot/loader', 'demo-game/server.js'], {
    cwd: app.dir,
    env: { ...process.env, PORT: '0', HOT_WATCH: '1', HOT_QUIET: '', HOT_CONTROL_DIR: control },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 20_000;
  let port = null;
  while (port === null) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the arena did not start:\n${output}`);
    port = /arena on http:\/\/127\.0\.0\.1:(\d+)\//.exec(output)?.[1] ?? null;
    await new Promise((r) => setTimeout(r, 25));
  }
  // The watcher starts once loading has been quiet for 200 ms: wait for it, so a save is seen.
  for (let i = 0; i < 200; i++) {
    const status = spawnSync(node, [bin, 'status', '--json'], { cwd: app.dir, encoding: 'utf8', env: { ...process.env, HOT_CONTROL_DIR: control } });
    if (status.status === 0 && JSON.parse(status.stdout).watch?.on && JSON.parse(status.stdout).watch.files > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    app, control, port: Number(port), output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(control, { recursive: true, force: true });
      app.remove();
    },
  };
}

test('the tour runs against a real arena process, and each step does what it says', async () => {
  const arena = await startArena();
  try {
    const tour = spawnSync(node, [arena.app.path('demo-game/tour.js'), '--json', '--port', String(arena.port), '--bin', bin], {
      cwd: arena.app.dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, HOT_CONTROL_DIR: arena.control },
    });
    assert.is(tour.status, 0, tour.stdout + tour.stderr + arena.output());
    const result = JSON.parse(tour.stdout);
    const [damage, fix, broken, rollback, hotfix, connection] = result.steps;
    assert.ok(result.passed, JSON.stringify(result, null, 1));
    assert.equal([damage.passed, damage.before, damage.damage], [true, 10, 25], 'the new damage table reached the page');
    assert.equal([fix.passed, fix.replaced], [true, ['Player']], 'the class with the fixed method was replaced in place');
    assert.is(broken.passed, true, 'the syntax error was refused');
    assert.is(broken.error.file, 'combat.js');
    assert.is(broken.error.line, 30);
    assert.ok(broken.ticking > 0, 'the game kept ticking');
    assert.equal([rollback.passed, rollback.modules], [true, ['player.js']], 'rollback undid the fix');
    assert.equal([hotfix.passed, hotfix.patched, hotfix.restored], [true, 3, 6], 'the hotfix applied, and its rollback restored the table');
    assert.equal([connection.passed, connection.opens], [true, 1], 'one connection, never reopened');
    for (const file of ['weapons.js', 'player.js', 'combat.js']) {
      assert.is(readFileSync(arena.app.path(`demo-game/${file}`), 'utf8'), readFileSync(join(root, 'demo-game', file), 'utf8'), `the tour put ${file} back`);
    }
  } finally {
    await arena.stop();
  }
});

test('hot check of the arena: no findings', () => {
  const app = project({}, { link: ['@hot/loader', 'ws'] });
  try {
    cpSync(join(root, 'demo-game'), app.path('demo-game'), { recursive: true });
    const result = spawnSync(node, [bin, 'check', '--json', 'demo-game/server.js'], { cwd: app.dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PORT: '0' } });
    assert.is(result.status, 0, result.stdout + result.stderr);
    const json = JSON.parse(result.stdout);
    assert.equal([json.findings, json.modules], [[], 8]);
  } finally {
    app.remove();
  }
});

/** Debian's Chromium, or CHROMIUM_PATH. */
function chromium() {
  for (const path of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (path && existsSync(path)) return path;
  return null;
}

test('in Chromium: the page draws a live arena, a player joins and moves, an edit applies on the same websocket, a broken one changes nothing', async () => {
  const executablePath = chromium();
  if (!executablePath) {
    // CI installs it (.ci/run): there, no browser is a failure, not a skip.
    if (process.env.CI) assert.unreachable('no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');
    console.log('  (skipped here: no Chromium; apt-get install chromium)');
    return;
  }
  const { chromium: playwright } = await import('playwright-core');
  mkdirSync(artifacts, { recursive: true });
  const arena = await startArena();
  const browser = await playwright.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 660 } });
    await page.goto(`http://127.0.0.1:${arena.port}/`);
    const demo = () => page.evaluate(() => ({ opens: window.demo.opens, states: window.demo.states, me: window.demo.me, state: window.demo.state, reloads: window.demo.reloads, weapons: window.demo.weapons }));
    await page.waitForFunction(() => window.demo.states > 10, null, { timeout: 15_000 });
    const first = await demo();
    await page.waitForFunction((tick) => window.demo.state.tick > tick + 15, first.state.tick, { timeout: 15_000 });
    const later = await demo();
    const moved = later.state.players.some((p) => { const before = first.state.players.find((q) => q.id === p.id); return before && (before.x !== p.x || before.y !== p.y); });
    assert.ok(moved, 'bots move between ticks');
    await page.screenshot({ path: join(artifacts, 'arena.png') });

    await page.click('#join button');
    await page.waitForFunction(() => window.demo.state.players.some((p) => p.id === window.demo.me), null, { timeout: 10_000 });
    const joined = (await demo()).state.players.find((p) => p.id === first.me);
    await page.focus('canvas').catch(() => {});
    await page.keyboard.down(joined.x > 480 ? 'KeyA' : 'KeyD');
    await page.waitForFunction(([id, x]) => Math.abs(window.demo.state.players.find((p) => p.id === id).x - x) > 20, [first.me, joined.x], { timeout: 10_000 });
    await page.keyboard.up(joined.x > 480 ? 'KeyA' : 'KeyD');

    const weapons = arena.app.path('demo-game/weapons.js');
    const original = readFileSync(weapons, 'utf8');
    writeFileSync(weapons, original.replace('blaster: { damage: 10,', 'blaster: { damage: 25,'));
    await page.waitForFunction(() => window.demo.weapons.blaster?.damage === 25, null, { timeout: 15_000 });
    await page.screenshot({ path: join(artifacts, 'arena-after-edit.png') });
    const edited = await demo();
    assert.is(edited.opens, 1, 'the page kept its websocket: no reconnect');
    assert.ok(edited.reloads.some((r) => r.ok && r.modules.some((m) => m.file === 'weapons.js' && m.version === 2)), 'the HUD got the reload report');

    writeFileSync(weapons, original.replace('export const WEAPONS = {', 'export const WEAPONS = {{'));
    await page.waitForFunction(() => window.demo.reloads.some((r) => !r.ok), null, { timeout: 15_000 });
    const broken = await demo();
    await page.waitForFunction((tick) => window.demo.state.tick > tick + 15, broken.state.tick, { timeout: 15_000 });
    await page.screenshot({ path: join(artifacts, 'arena-after-broken-edit.png') });
    const after = await demo();
    const failed = after.reloads.find((r) => !r.ok);
    assert.is(failed.error.file, 'weapons.js');
    assert.is(after.weapons.blaster.damage, 25, 'the broken edit changed nothing');
    assert.is(after.opens, 1, 'still the same websocket');
    assert.ok(after.state.players.some((p) => p.id === first.me), 'the player is still in the arena');
  } finally {
    await browser.close();
    await arena.stop();
  }
});

test.run();
