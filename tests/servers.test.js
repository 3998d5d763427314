// Real servers under the loader, in their own processes, with real HTTP and websocket
// clients: express 5, fastify 5, hono on @hono/node-server and a `ws` server, each written as real
// servers are (routes in their own module, registrations in top-level statements, logic
// inline). For each:
// - an edited inline handler runs on the next request of the same keep-alive connection
//   (the same websocket), with no route, middleware or listener added and no re-listen;
// - an edited server file re-runs only what changed: no duplicate listener, no crash, the
//   port handed over when the listening statement itself changed, clients still connected;
// - a broken edit fails the reload: the old code serves, and no timer, server or listener
//   the broken version had started is left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { project } from './support/project.js';

const IMPORT = ['--import', '@hot/loader'];

/** Helpers the scenario scripts share: a keep-alive HTTP client, reload steps, resource counts. */
const HARNESS = `import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { reload } from '@hot/loader/runtime';
export const errors = [];
process.on('uncaughtException', (error) => errors.push(String(error.code ?? error.message)));
export const PORT = Number(process.env.PORT);
export function client(port = PORT) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  const get = (path = '/') => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      sockets.add(res.socket);
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  return { get, sockets, close: () => agent.destroy() };
}
/** Resources by kind (Timeout, TCPServerWrap, TCPSocketWrap, …). */
export function resources() {
  const counts = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}
export async function edit(files, names) {
  for (const [name, text] of Object.entries(files)) writeFileSync(name, text);
  const report = await reload(names);
  return {
    ok: report.ok, error: report.error?.message ?? null,
    reran: Object.fromEntries(report.modules.map((m) => [m.file.split('/').pop(), m.reran])),
    swapped: Object.fromEntries(report.modules.map((m) => [m.file.split('/').pop(), m.swapped])),
  };
}
export const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
`;

/** Runs `main.js` of a project with the harness and a free port; returns its JSON output. */
function scenario(files, links) {
  const p = project({ 'harness.js': HARNESS, ...files }, { link: ['@hot/loader', ...links] });
  try {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1', PORT: String(port) } });
    assert.is(result.status, 0, result.stderr + result.stdout);
    return JSON.parse(result.stdout.trim().split('\n').pop());
  } finally {
    p.remove();
  }
}

/** A broken edit of the server file: it starts a timer, a server and a process listener, then throws. */
const BROKEN = `
export const leak = setInterval(() => {}, 1000);
export const stray = (await import('node:http')).createServer().listen(0, '127.0.0.1');
process.on('SIGHUP', () => {});
undefinedFunction();
`;

test('express 5: inline route handlers swap in place; an edited server.js hands the port over; a broken edit leaves nothing', () => {
  const routes = (v) => `import { Router } from 'express';
export const router = Router();
router.get('/', (req, res) => res.json({ v: ${v} }));
router.get('/other', (req, res) => res.json({ other: true }));
`;
  const server = (extra = '') => `import express from 'express';
import { router } from './routes.js';
import { PORT } from './harness.js';
export const app = express();
export const seen = [];
app.use((req, res, next) => { seen.push(req.url); next(); });
app.use(router);
export const server = app.listen(PORT, '127.0.0.1'${extra ? ', () => {}' : ''});
process.on('SIGUSR2', () => {});
${extra}`;
  const out = scenario({
    'routes.js': routes(1),
    'server.js': server(),
    'main.js': `import { client, edit, errors, pause, resources } from './harness.js';
import * as mod from './server.js';
import * as routes from './routes.js';
await new Promise((resolve) => (mod.server.listening ? resolve() : mod.server.once('listening', resolve)));
const http = client();
const counts = () => ({ stack: mod.app.router.stack.length, routes: routes.router.stack.length, sigusr2: process.listenerCount('SIGUSR2'), sighup: process.listenerCount('SIGHUP'), connection: mod.server.listenerCount('connection') });
const out = { first: await http.get(), before: counts() };
out.handler = await edit({ 'routes.js': ${JSON.stringify(routes(2))} }, ['routes.js']);
out.afterHandler = { body: await http.get(), counts: counts(), sockets: http.sockets.size };
const firstServer = mod.server;
out.serverEdit = await edit({ 'server.js': ${JSON.stringify(server("console.log('server.js edited');\n"))} }, ['server.js']);
await new Promise((resolve) => (mod.server.listening ? resolve() : mod.server.once('listening', resolve)));
out.afterServerEdit = { body: await http.get(), counts: counts(), sockets: http.sockets.size, handedOver: firstServer !== mod.server && !firstServer.listening && mod.server.listening };
const before = resources();
out.broken = await edit({ 'server.js': ${JSON.stringify(server("console.log('server.js edited');\n") + BROKEN)} }, ['server.js']);
await pause(50);
out.afterBroken = { body: await http.get(), counts: counts(), sockets: http.sockets.size, same: JSON.stringify(resources()) === JSON.stringify(before) || JSON.stringify({ before, after: resources() }) };
out.seen = mod.seen.length;
out.errors = errors;
http.close();
mod.server.close();
console.log(JSON.stringify(out));
`,
  }, ['express']);
  assert.is(out.first, '{"v":1}');
  assert.equal(out.handler, { ok: true, error: null, reran: { 'routes.js': [] }, swapped: { 'routes.js': [3] } });
  assert.equal(out.afterHandler, { body: '{"v":2}', counts: out.before, sockets: 1 });
  assert.equal(out.serverEdit, { ok: true, error: null, reran: { 'server.js': [10] }, swapped: { 'server.js': [] } }, 'the edited `server` initializer was replaced, the new statement ran; nothing else ran again');
  assert.equal(out.afterServerEdit, { body: '{"v":2}', counts: out.before, sockets: 1, handedOver: true }, 'the edited listen statement took the port over; the keep-alive connection stayed');
  assert.is(out.broken.ok, false);
  assert.match(out.broken.error, 'undefinedFunction');
  assert.equal(out.afterBroken, { body: '{"v":2}', counts: out.before, sockets: 1, same: true }, 'no timer, server or listener of the broken version is left');
  assert.is(out.seen, 4, 'the middleware ran once per request');
  assert.equal(out.errors, []);
});

test('fastify 5: an edited route inside the plugin function runs on the same connection (the route is not added again); a broken edit leaves nothing', () => {
  const routes = (v) => `export default async function routes(fastify) {
  fastify.get('/', async (request, reply) => ({ v: ${v} }));
  fastify.get('/other', async () => ({ other: true }));
}
`;
  const server = (extra = '') => `import Fastify from 'fastify';
import routes from './routes.js';
import { PORT } from './harness.js';
export const seen = [];
export const app = Fastify();
app.addHook('onRequest', async (request) => { seen.push(request.url); });
app.register(routes);
await app.listen({ port: PORT, host: '127.0.0.1' });
process.on('SIGUSR2', () => {});
${extra}`;
  const out = scenario({
    'routes.js': routes(1),
    'server.js': server(),
    'main.js': `import { client, edit, errors, pause, resources } from './harness.js';
import * as mod from './server.js';
const http = client();
const counts = () => ({ routes: mod.app.printRoutes({ commonPrefix: false }), request: mod.app.server.listenerCount('request'), sigusr2: process.listenerCount('SIGUSR2'), sighup: process.listenerCount('SIGHUP') });
const out = { first: await http.get(), before: counts() };
out.handler = await edit({ 'routes.js': ${JSON.stringify(routes(2))} }, ['routes.js']);
out.afterHandler = { body: await http.get(), counts: counts(), sockets: http.sockets.size };
out.serverEdit = await edit({ 'server.js': ${JSON.stringify(server("console.log('server.js edited');\n"))} }, ['server.js']);
out.afterServerEdit = { body: await http.get(), counts: counts(), sockets: http.sockets.size };
const before = resources();
out.broken = await edit({ 'server.js': ${JSON.stringify(server("console.log('server.js edited');\n") + BROKEN)} }, ['server.js']);
await pause(50);
out.afterBroken = { body: await http.get(), counts: counts(), same: JSON.stringify(resources()) === JSON.stringify(before) || JSON.stringify({ before, after: resources() }) };
out.seen = mod.seen.length;
out.errors = errors;
http.close();
await mod.app.close();
console.log(JSON.stringify(out));
`,
  }, ['fastify']);
  assert.is(out.first, '{"v":1}');
  assert.equal(out.handler, { ok: true, error: null, reran: { 'routes.js': [] }, swapped: { 'routes.js': [2] } });
  assert.equal(out.afterHandler, { body: '{"v":2}', counts: out.before, sockets: 1 });
  assert.equal(out.serverEdit, { ok: true, error: null, reran: { 'server.js': [10] }, swapped: { 'server.js': [] } });
  assert.equal(out.afterServerEdit, { body: '{"v":2}', counts: out.before, sockets: 1 });
  assert.is(out.broken.ok, false);
  assert.equal(out.afterBroken, { body: '{"v":2}', counts: out.before, same: true });
  assert.is(out.seen, 4);
  assert.equal(out.errors, []);
});

test('hono on @hono/node-server: an edited handler of a sub-app swaps in place (the built matcher is not touched); a broken edit leaves nothing', () => {
  const api = (v) => `import { Hono } from 'hono';
export const api = new Hono();
api.get('/', (c) => c.json({ v: ${v} }));
`;
  const server = (extra = '') => `import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { api } from './api.js';
import { PORT } from './harness.js';
export const app = new Hono();
app.use(async (c, next) => { await next(); c.header('x-served', 'yes'); });
app.route('/api', api);
export const server = serve({ fetch: app.fetch, port: PORT, hostname: '127.0.0.1' });
process.on('SIGUSR2', () => {});
${extra}`;
  const out = scenario({
    'api.js': api(1),
    'server.js': server(),
    'main.js': `import { client, edit, errors, pause, resources } from './harness.js';
import * as mod from './server.js';
await new Promise((resolve) => (mod.server.listening ? resolve() : mod.server.once('listening', resolve)));
const http = client();
const counts = () => ({ routes: mod.app.routes.length, sigusr2: process.listenerCount('SIGUSR2'), sighup: process.listenerCount('SIGHUP'), request: mod.server.listenerCount('request') });
const out = { first: await http.get('/api'), before: counts() };
out.handler = await edit({ 'api.js': ${JSON.stringify(api(2))} }, ['api.js']);
out.afterHandler = { body: await http.get('/api'), counts: counts(), sockets: http.sockets.size };
out.serverEdit = await edit({ 'server.js': ${JSON.stringify(server("console.log('server.js edited');\n"))} }, ['server.js']);
out.afterServerEdit = { body: await http.get('/api'), counts: counts(), sockets: http.sockets.size };
const before = resources();
out.broken = await edit({ 'server.js': ${JSON.stringify(server("console.log('server.js edited');\n") + BROKEN)} }, ['server.js']);
await pause(50);
out.afterBroken = { body: await http.get('/api'), counts: counts(), same: JSON.stringify(resources()) === JSON.stringify(before) || JSON.stringify({ before, after: resources() }) };
out.errors = errors;
http.close();
mod.server.close();
console.log(JSON.stringify(out));
`,
  }, ['hono', '@hono/node-server']);
  assert.is(out.first, '{"v":1}');
  assert.equal(out.handler, { ok: true, error: null, reran: { 'api.js': [] }, swapped: { 'api.js': [3] } });
  assert.equal(out.afterHandler, { body: '{"v":2}', counts: out.before, sockets: 1 });
  assert.equal(out.serverEdit, { ok: true, error: null, reran: { 'server.js': [10] }, swapped: { 'server.js': [] } });
  assert.equal(out.afterServerEdit, { body: '{"v":2}', counts: out.before, sockets: 1 });
  assert.is(out.broken.ok, false);
  assert.equal(out.afterBroken, { body: '{"v":2}', counts: out.before, same: true });
  assert.equal(out.errors, []);
});

test('ws: an edited connection handler greets new clients with the new code; a replaced WebSocketServer hands its port over and connected clients stay; a broken edit leaves nothing', () => {
  const server = (welcome, options = '', extra = '') => `import { WebSocketServer } from 'ws';
import { PORT } from './harness.js';
export const wss = new WebSocketServer({ port: PORT, host: '127.0.0.1'${options} });
wss.on('connection', (socket) => {
  socket.send('${welcome}');
  socket.on('message', (message) => socket.send('echo ' + message));
});
${extra}`;
  const out = scenario({
    'server.js': server('welcome v1'),
    'main.js': `import { WebSocket } from 'ws';
import { edit, errors, pause, resources, PORT } from './harness.js';
import * as mod from './server.js';
await new Promise((resolve) => (mod.wss.address() ? resolve() : mod.wss.once('listening', resolve)));
const connect = () => new Promise((resolve, reject) => {
  const socket = new WebSocket('ws://127.0.0.1:' + PORT);
  const messages = [];
  socket.on('message', (data) => messages.push(String(data)));
  socket.once('open', () => resolve({ socket, messages }));
  socket.once('error', reject);
});
const until = async (predicate) => { for (let i = 0; i < 200 && !predicate(); i++) await pause(5); };
const out = {};
const first = await connect();
await until(() => first.messages.length === 1);
const firstWss = mod.wss;
out.handler = await edit({ 'server.js': ${JSON.stringify(server('welcome v2'))} }, ['server.js']);
const second = await connect();
await until(() => second.messages.length === 1);
out.afterHandler = { connection: mod.wss.listenerCount('connection'), clients: mod.wss.clients.size };
out.replaced = await edit({ 'server.js': ${JSON.stringify(server('welcome v3', ', clientTracking: true'))} }, ['server.js']);
const third = await connect();
await until(() => third.messages.length === 1);
first.socket.send('ping');
await until(() => first.messages.length === 2);
const before = resources();
out.broken = await edit({ 'server.js': ${JSON.stringify(server('welcome v3', ', clientTracking: true', BROKEN))} }, ['server.js']);
await pause(50);
const fourth = await connect();
await until(() => fourth.messages.length === 1);
out.after = {
  first: first.messages, second: second.messages, third: third.messages, fourth: fourth.messages,
  open: [first, second, third].map((c) => c.socket.readyState === WebSocket.OPEN),
  newServer: mod.wss !== firstWss, oldListening: firstWss.address() !== null,
  connection: mod.wss.listenerCount('connection'), oldConnection: firstWss.listenerCount('connection'),
  sighup: process.listenerCount('SIGHUP'),
};
const after = resources();
delete before.TCPSocketWrap; delete after.TCPSocketWrap; // the fourth client
out.same = JSON.stringify(after) === JSON.stringify(before) || JSON.stringify({ before, after });
out.errors = errors;
for (const c of [first, second, third, fourth]) c.socket.close();
mod.wss.close(); firstWss.close();
console.log(JSON.stringify(out));
`,
  }, ['ws']);
  assert.equal(out.handler, { ok: true, error: null, reran: { 'server.js': [] }, swapped: { 'server.js': [4] } });
  assert.equal(out.afterHandler, { connection: 1, clients: 2 });
  assert.equal(out.replaced, { ok: true, error: null, reran: { 'server.js': [4] }, swapped: { 'server.js': [4] } }, 'the connection statement reads the replaced wss: it ran again on the new server');
  assert.is(out.broken.ok, false);
  assert.equal(out.after, {
    first: ['welcome v1', 'echo ping'], second: ['welcome v2'], third: ['welcome v3'], fourth: ['welcome v3'],
    open: [true, true, true],
    newServer: true, oldListening: false,
    connection: 1, oldConnection: 0,
    sighup: 0,
  });
  assert.is(out.same, true, 'no timer, server or listener of the broken version is left');
  assert.equal(out.errors, []);
});

test.run();
