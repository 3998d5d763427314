// `npm run demo:tour`: a scripted tour of hot reload against the running arena (`npm run demo`
// in another terminal). It joins the game as a player, edits the game's files the way you
// would (the watcher reloads them), and drives the rest with the `hot` command; after each
// step it prints what the game did, as its page sees it. Its connection stays open from the
// first step to the last. It puts every file back as it found it.
//
//   node demo-game/tour.js [--port 3000] [--dir demo-game] [--pid N] [--json]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '3000' }, dir: { type: 'string', default: here }, pid: { type: 'string' }, json: { type: 'boolean' }, bin: { type: 'string' } } });
const dir = resolve(values.dir);
const bin = values.bin ?? join(here, '..', 'dist', 'cli', 'main.cjs');
const STEP_TIMEOUT_MS = 15_000;

const steps = [];
const say = (line) => !values.json && console.log(line);

/** The game as a player sees it: every message, and waits on them with a deadline. */
function connect(port) {
  return new Promise((resolvePlayer, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    const player = { socket, opens: 0, messages: [], welcome: null, tick: 0 };
    const waiters = new Set();
    socket.on('open', () => player.opens++);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'welcome') {
        player.welcome = message;
        socket.send(JSON.stringify({ type: 'join', name: 'tour' }));
        resolvePlayer(player);
      }
      if (message.type === 'state') player.tick = message.tick;
      else player.messages.push(message);
      for (const waiter of waiters) waiter();
    });
    socket.on('error', reject);
    /** Resolves with the first message (from now on) that `match` accepts. */
    player.next = (what, match) => new Promise((resolveMessage, rejectMessage) => {
      const from = player.messages.length;
      const timer = setTimeout(() => {
        waiters.delete(check);
        rejectMessage(new Error(`no ${what} within ${STEP_TIMEOUT_MS / 1000} s`));
      }, STEP_TIMEOUT_MS);
      const check = () => {
        const found = player.messages.slice(from).find(match);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolveMessage(found);
      };
      waiters.add(check);
    });
    player.ticks = async (count) => {
      const until = player.tick + count;
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      while (player.tick < until) {
        if (Date.now() > deadline) throw new Error(`the game stopped ticking at ${player.tick}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return player.tick;
    };
  });
}

/** `hot <args> --json` against the arena's process. */
function hot(...args) {
  const pid = values.pid ? ['--pid', values.pid] : [];
  const result = spawnSync(process.execPath, [bin, ...args, ...pid, '--json'], { cwd: dir, encoding: 'utf8' });
  if (result.status === 3 || result.status === 2) throw new Error(`hot ${args.join(' ')}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout);
}

function edit(file, from, to) {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
  writeFileSync(path, text.replace(from, to));
}

const reloadOf = (file) => (message) => message.type === 'reload' && (message.modules.some((m) => m.file === file) || message.error?.file === file);

/** A step, and whether it did what it should (`passed`): a refused syntax error passes. */
function record(name, result) {
  steps.push({ step: name, ...result });
  say(`${steps.length}. ${name}\n   ${result.passed ? '' : 'UNEXPECTED: '}${result.said}`);
}

const originals = new Map(['weapons.js', 'player.js', 'combat.js'].map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
let player;
let failure = null;
try {
  player = await connect(values.port);
  say(`Joined the arena on port ${values.port} as player ${player.welcome.id}; ${player.welcome.modules.length} hot modules.\n`);

  // 1. A data table: the new damage applies to the next shot.
  const before = player.welcome.weapons.blaster.damage;
  let waiting = player.next('reload of weapons.js', reloadOf('weapons.js'));
  edit('weapons.js', 'blaster: { damage: 10,', 'blaster: { damage: 25,');
  let report = await waiting;
  record('Edit weapons.js: blaster damage 10 -> 25, and save', {
    passed: report.ok && report.weapons.blaster.damage === 25, damage: report.weapons.blaster.damage, before,
    said: `the watcher reloaded ${describe(report)}; blasters now deal ${report.weapons.blaster.damage} (were ${before}), from the next shot`,
  });

  // 2. A method of a live class: every player in the arena runs the fix on the next hit.
  waiting = player.next('reload of player.js', reloadOf('player.js'));
  edit('player.js', 'this.hp = Math.max(0, this.hp - amount * 2);', 'this.hp = Math.max(0, this.hp - amount);');
  report = await waiting;
  record('Fix the planted bug in Player#damage (every hit counted twice), and save', {
    passed: report.ok, replaced: report.modules.find((m) => m.file === 'player.js')?.replaced ?? [],
    said: `reloaded ${describe(report)}; the players already in the arena took the fix, no one rejoined`,
  });

  // 3. A syntax error: refused, the game keeps running on the code it had.
  waiting = player.next('failed reload of combat.js', reloadOf('combat.js'));
  edit('combat.js', 'export function hit(world, projectile, target) {', 'export function hit(world, projectile, target) {{');
  report = await waiting;
  const tickAfterError = await player.ticks(15);
  writeFileSync(join(dir, 'combat.js'), originals.get('combat.js'));
  record('Save combat.js with a syntax error', {
    passed: !report.ok && report.error?.file === 'combat.js', error: report.error, ticking: tickAfterError,
    said: `refused: ${report.error?.file}:${report.error?.line}:${report.error?.column} ${report.error?.message}; nothing changed, the game ticked on (tick ${tickAfterError}); the file is put back`,
  });

  // 4. Roll back the last applied change (the fix of step 2).
  waiting = player.next('rollback report', (m) => m.type === 'reload' && m.op === 'rollback');
  const rollback = hot('rollback');
  report = await waiting;
  record('npx hot rollback', {
    passed: rollback.ok && report.ok, modules: report.modules.map((m) => m.file),
    said: `undid the last batch (${report.modules.map((m) => `${m.file} back to v${m.version}`).join(', ')}): Player#damage counts every hit twice again`,
  });

  // 5. A hotfix, applied to the running game, then rolled back.
  waiting = player.next('hotfix report', (m) => m.type === 'reload' && m.op === 'hotfix');
  const applied = hot('hotfix', join(dir, 'hotfixes', 'gentle-scatter.js'));
  report = await waiting;
  const patched = report.weapons.scatter.damage;
  waiting = player.next('rollback report', (m) => m.type === 'reload' && m.op === 'rollback');
  hot('rollback');
  const undone = await waiting;
  record('npx hot hotfix hotfixes/gentle-scatter.js, then npx hot rollback', {
    passed: applied.ok && undone.ok && patched === 3, patched, restored: undone.weapons.scatter.damage,
    said: `the hotfix set scatter damage to ${patched} and patched Player#respawn; rollback put scatter back to ${undone.weapons.scatter.damage}`,
  });

  record('Through all of it', {
    passed: player.opens === 1 && player.socket.readyState === WebSocket.OPEN, opens: player.opens, tick: player.tick,
    said: `one websocket connection, never reopened (${player.opens} open); the game is at tick ${player.tick}`,
  });
} catch (error) {
  failure = error;
} finally {
  // Leave the files as the tour found them (the watcher reloads them back).
  for (const [file, text] of originals) if (readFileSync(join(dir, file), 'utf8') !== text) writeFileSync(join(dir, file), text);
  player?.socket.close();
}
const passed = failure === null && steps.every((step) => step.passed);
if (values.json) console.log(JSON.stringify({ passed, steps, error: failure?.message }, null, 2));
if (!failure && !passed) failure = new Error(`step ${steps.findIndex((step) => !step.passed) + 1} did not do what it should`);
if (failure) {
  console.error(`tour: ${failure.message}`);
  process.exitCode = 1;
} else if (!values.json) say(`\nDone. ${relative(process.cwd(), dir) || '.'} is as the tour found it.`);

function describe(report) {
  if (!report.ok) return `(failed: ${report.error?.message})`;
  return report.modules.map((m) => `${m.file} to v${m.version}${m.replaced.length ? ` (replaced ${m.replaced.join(', ')})` : ''}`).join(', ');
}
