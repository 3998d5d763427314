// Real servers under the loader, in their own processes: express 5 and a `ws` server
// written as real servers are (registrations in top-level statements, logic inline),
// with real HTTP and websocket clients. A reload of an edited server file must not
// listen twice, register a route or listener twice, or drop a connected client.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { project } from './support/project.js';

const IMPORT = ['--import', '@hot/loader'];
const LINKS = ['@hot/loader', 'express', 'ws'];

// express 5 and its dependency tree are CommonJS under node_modules: linked as a whole.
function app(files) {
  const p = project(files, { link: LINKS });
  return p;
}

test('express 5: editing server.js re-runs only the edited statement: no second listen, no duplicate middleware, same keep-alive connection', () => {
  const server = `import express from 'express';
import { router } from './routes.js';
export const app = express();
export const seen = [];
app.use((req, res, next) => { seen.push(req.url); next(); });
app.use(router);
export const server = app.listen(0, '127.0.0.1');
process.on('SIGUSR2', () => {});
`;
  const p = app({
    'routes.js': `import { Router } from 'express';
export const router = Router();
export function version() { return 1; }
router.get('/', (req, res) => res.json({ v: version() }));
`,
    'server.js': server,
    'main.js': `import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { reload } from '@hot/loader/runtime';
import * as mod from './server.js';
await new Promise((resolve) => mod.server.listening ? resolve() : mod.server.once('listening', resolve));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const sockets = new Set();
const get = () => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port: mod.server.address().port, path: '/', agent }, (res) => {
    sockets.add(res.socket);
    let body = '';
    res.on('data', (chunk) => (body += chunk));
    res.on('end', () => resolve(JSON.parse(body)));
  }).on('error', reject);
});
const before = await get();
const stackBefore = mod.app.router.stack.length;
const errors = [];
process.on('uncaughtException', (error) => errors.push(error.code ?? error.message));
mod.server.on('error', (error) => errors.push(error.code));
writeFileSync('server.js', ${JSON.stringify(server)} + "console.log('server.js edited');\\n");
writeFileSync('routes.js', ${JSON.stringify(`import { Router } from 'express';
export const router = Router();
export function version() { return 2; }
router.get('/', (req, res) => res.json({ v: version() }));
`)});
const report = await reload(['routes.js', 'server.js']);
const after = await get();
console.log(JSON.stringify({
  ok: report.ok, error: report.error?.message, before, after,
  sameServer: mod.server.listening, errors,
  sameSocket: sockets.size === 1,
  middleware: mod.app.router.stack.length - stackBefore,
  routes: (await import('./routes.js')).router.stack.length,
  sigusr2: process.listenerCount('SIGUSR2'),
  seen: mod.seen,
  reran: report.modules.map((m) => m.reran),
}));
agent.destroy();
mod.server.close();
`,
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1' } });
    assert.is(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.is(lines[0], 'server.js edited', 'the new statement ran once');
    const out = JSON.parse(lines[1]);
    assert.equal(out, {
      ok: true, before: { v: 1 }, after: { v: 2 },
      sameServer: true, errors: [], sameSocket: true,
      middleware: 0, routes: 1, sigusr2: 1,
      seen: ['/', '/'],
      reran: [[], [9]],
    });
  } finally {
    p.remove();
  }
});

test('ws: editing the server file keeps connected clients, one connection listener and one welcome per client', () => {
  const server = `import { WebSocketServer } from 'ws';
export const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
export function greeting() { return 'welcome v1'; }
wss.on('connection', (socket) => {
  socket.send(greeting());
  socket.on('message', (message) => socket.send('echo ' + message));
});
`;
  const p = app({
    'server.js': server,
    'main.js': `import { writeFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { reload } from '@hot/loader/runtime';
import * as mod from './server.js';
await new Promise((resolve) => mod.wss.address() ? resolve() : mod.wss.once('listening', resolve));
const url = 'ws://127.0.0.1:' + mod.wss.address().port;
const connect = () => new Promise((resolve, reject) => {
  const socket = new WebSocket(url);
  const messages = [];
  socket.on('message', (data) => messages.push(String(data)));
  socket.once('open', () => resolve({ socket, messages }));
  socket.once('error', reject);
});
const until = async (predicate) => { for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5)); };
const first = await connect();
await until(() => first.messages.length === 1);
writeFileSync('server.js', ${JSON.stringify(server.replace("'welcome v1'", "'welcome v2'"))} + 'export const edited = true;\\n');
const report = await reload('server.js');
const second = await connect();
await until(() => second.messages.length === 1);
first.socket.send('ping');
await until(() => first.messages.length === 2);
await new Promise((r) => setTimeout(r, 50));
console.log(JSON.stringify({
  ok: report.ok, error: report.error?.message,
  first: first.messages, second: second.messages,
  firstOpen: first.socket.readyState === WebSocket.OPEN,
  listeners: mod.wss.listenerCount('connection'),
  clients: mod.wss.clients.size,
}));
first.socket.close(); second.socket.close(); mod.wss.close();
`,
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1' } });
    assert.is(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout), {
      ok: true,
      first: ['welcome v1', 'echo ping'], second: ['welcome v2'],
      firstOpen: true, listeners: 1, clients: 2,
    });
  } finally {
    p.remove();
  }
});

test.run();
