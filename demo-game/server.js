// The arena's server: the page and its script over HTTP, players over a websocket, a
// fixed-rate tick. Run it with `npm run demo` (under @hot/loader, with the watcher and the
// control endpoint), then edit any file of demo-game/ and watch the game change.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { WebSocketServer } from 'ws';
import { onReload, status } from '@hot/loader/runtime';
import { world } from './world.js';
import { Player } from './player.js';
import { addBots } from './bots.js';
import { snapshot, tick, TICK_HZ } from './game.js';
import { WEAPONS } from './weapons.js';

const PORT = Number(process.env.PORT ?? 3000);
const BOTS = Number(process.env.BOTS ?? 4);
const PAGES = { '/': ['index.html', 'text/html'], '/client.js': ['client.js', 'text/javascript'] };
const HELP = `Open it, press Join, then edit and save while you play:
  demo-game/weapons.js   change damage: 10 to 25: the next shot hits harder
  demo-game/player.js    damage() counts every hit twice: fix it, every player gets the fix
  demo-game/combat.js    save a syntax error: refused, the game keeps running
From another terminal: npx hot status, npx hot rollback,
  npx hot hotfix demo-game/hotfixes/gentle-scatter.js, npm run demo:tour`;

// The servers are handed on through import.meta.hot.data: an edit of this file runs its
// statements again, and the port and every player's connection stay.
const data = import.meta.hot?.data ?? {};
export const server = (data.server ??= createServer((req, res) => page(req, res)).listen(PORT, '127.0.0.1', () => {
  console.log(`arena on http://127.0.0.1:${server.address().port}/`);
  console.log(HELP);
}));
export const players = (data.players ??= new WebSocketServer({ server }));

/** Serves the page and its script, read at each request (edit them and reload the page). */
function page(req, res) {
  const [file, type] = PAGES[new URL(req.url, 'http://x').pathname] ?? [];
  if (!file) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(readFileSync(new URL(`./public/${file}`, import.meta.url)));
}

if (world.players.size === 0) addBots(world, BOTS);

// A player's connection: kept across reloads; what it does on each message is
// onMessage's latest code.
players.on('connection', (socket) => {
  const id = world.nextId++;
  socket.send(JSON.stringify({ type: 'welcome', id, weapons: WEAPONS, modules: modules() }));
  socket.on('message', (message) => onMessage(socket, id, message));
  socket.on('close', () => world.players.delete(id));
});

/** join { name }, input { up, down, left, right, fire, angle }. */
export function onMessage(socket, id, message) {
  let request;
  try {
    request = JSON.parse(String(message));
  } catch {
    return;
  }
  if (request.type === 'join' && !world.players.has(id)) {
    world.players.set(id, new Player(id, String(request.name ?? 'player').slice(0, 16)));
  } else if (request.type === 'input') {
    const player = world.players.get(id);
    if (player) Object.assign(player.input, pick(request, ['up', 'down', 'left', 'right', 'fire']), { angle: Number(request.angle) || 0 });
  }
}

function pick(object, keys) {
  return Object.fromEntries(keys.filter((key) => key in object).map((key) => [key, Boolean(object[key])]));
}

/** Each hot module of the demo and its live version, for the page's HUD. */
export function modules() {
  return status().modules.filter((m) => m.file.includes('demo-game')).map((m) => ({ file: m.file.split('/').pop(), version: m.version }));
}

function broadcast(message) {
  const text = JSON.stringify(message);
  for (const socket of players.clients) if (socket.readyState === socket.OPEN) socket.send(text);
}

// Every reload report goes to every page: a toast per module, a failure with its file:line.
onReload((report) => {
  broadcast({
    type: 'reload',
    ok: report.ok,
    op: report.op,
    modules: report.modules.map((m) => ({ file: m.file.split('/').pop(), version: m.version, replaced: m.replaced, reran: m.reran, swapped: m.swapped })),
    error: report.error && { message: report.error.message, file: report.error.file?.split('/').pop(), line: report.error.line, column: report.error.column },
    weapons: WEAPONS,
    versions: modules(),
  });
});

// The tick: the interval is released and started again when this statement is edited.
setInterval(() => {
  tick();
  broadcast(snapshot());
}, 1000 / TICK_HZ);
