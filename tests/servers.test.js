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
/**
 * The edits every HTTP framework goes through, on one keep-alive connection: an inline
 * handler, the server file, then a broken server file; counts() reads routes and listeners.
 */
export async function httpSteps({ path = '/', counts, handler: [file, text], server, broken, serverEdited = async () => ({}) }) {
  const http = client();
  const out = { first: await http.get(path), before: counts() };
  out.handler = await edit({ [file]: text }, [file]);
  out.afterHandler = { body: await http.get(path), counts: counts(), sockets: http.sockets.size };
  out.serverEdit = await edit({ 'server.js': server }, ['server.js']);
  Object.assign(out, await serverEdited());
  out.afterServerEdit = { body: await http.get(path), counts: counts(), sockets: http.sockets.size };
  const before = resources();
  out.broken = await edit({ 'server.js': broken }, ['server.js']);
  await pause(50);
  const after = resources();
  out.afterBroken = { body: await http.get(path), counts: counts(), sockets: http.sockets.size, same: JSON.stringify(after) === JSON.stringify(before) || JSON.stringify({ before, after }) };
  out.errors = errors;
  http.close();
  return out;
}
`;

/** What every HTTP framework must show after {@link httpSteps}. */
function assertHttpSteps(out, { handlerFile, handlerLine, serverReran }) {
  assert.is(out.first, '{"v":1}');
  assert.equal(out.handler, { ok: true, error: null, reran: { [handlerFile]: [] }, swapped: { [handlerFile]: [handlerLine] } }, 'the edited handler swapped in place; nothing ran again');
  assert.equal(out.afterHandler, { body: '{"v":2}', counts: out.before, sockets: 1 }, 'the next request on the same connection ran the new code; no route or listener added');
  assert.equal(out.serverEdit, { ok: true, error: null, reran: { 'server.js': serverReran }, swapped: { 'server.js': [] } }, 'only the new statement of server.js ran');
  assert.equal(out.afterServerEdit, { body: '{"v":2}', counts: out.before, sockets: 1 }, 'no duplicate listener; the connection stayed');
  assert.is(out.broken.ok, false);
  assert.match(out.broken.error, 'undefinedFunction');
  assert.equal(out.afterBroken, { body: '{"v":2}', counts: out.before, sockets: 1, same: true }, 'the old code serves; no timer, server or listener of the broken version is left');
  assert.equal(out.errors, []);
}

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
    'main.js': `import { httpSteps } from './harness.js';
import * as mod from './server.js';
import * as routes from './routes.js';
await new Promise((resolve) => (mod.server.listening ? resolve() : mod.server.once('listening', resolve)));
const firstServer = mod.server;
const out = await httpSteps({
  counts: () => ({ stack: mod.app.router.stack.length, routes: routes.router.stack.length, sigusr2: process.listenerCount('SIGUSR2'), sighup: process.listenerCount('SIGHUP'), connection: mod.server.listenerCount('connection') }),
  handler: ['routes.js', ${JSON.stringify(routes(2))}],
  server: ${JSON.stringify(server("console.log('server.js edited');\n"))},
  broken: ${JSON.stringify(server("console.log('server.js edited');\n") + BROKEN)},
  serverEdited: async () => {
    await new Promise((resolve) => (mod.server.listening ? resolve() : mod.server.once('listening', resolve)));
    return { handedOver: firstServer !== mod.server && !firstServer.listening && mod.server.listening };
  },
});
out.seen = mod.seen.length;
mod.server.close();
console.log(JSON.stringify(out));
`,
  }, ['express']);
  assertHttpSteps(out, { handlerFile: 'routes.js', handlerLine: 3, serverReran: [10] });
  assert.is(out.handedOver, true, 'the edited `server` initializer listened again: the old server handed its port over and kept the keep-alive connection');
  assert.is(out.seen, 4, 'the middleware ran once per request');
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
    'main.js': `import { httpSteps } from './harness.js';
import * as mod from './server.js';
const out = await httpSteps({
  counts: () => ({ routes: mod.app.printRoutes({ commonPrefix: false }), request: mod.app.server.listenerCount('request'), sigusr2: process.listenerCount('SIGUSR2'), sighup: process.listenerCount('SIGHUP') }),
  handler: ['routes.js', ${JSON.stringify(routes(2))}],
  server: ${JSON.stringify(server("console.log('server.js edited');\n"))},
  broken: ${JSON.stringify(server("console.log('server.js edited');\n") + BROKEN)},
});
out.seen = mod.seen.length;
await mod.app.close();
console.log(JSON.stringify(out));
`,
  }, ['fastify']);
  assertHttpSteps(out, { handlerFile: 'routes.js', handlerLine: 2, serverReran: [10] });
  assert.is(out.seen, 4, 'the onRequest hook ran once per request');
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
    'main.js': `import { httpSteps } from './harness.js';
import * as mod from './server.js';
await new Promise((resolve) => (mod.server.listening ? resolve() : mod.server.once('listening', resolve)));
const out = await httpSteps({
  path: '/api',
  counts: () => ({ routes: mod.app.routes.length, sigusr2: process.listenerCount('SIGUSR2'), sighup: process.listenerCount('SIGHUP'), request: mod.server.listenerCount('request') }),
  handler: ['api.js', ${JSON.stringify(api(2))}],
  server: ${JSON.stringify(server("console.log('server.js edited');\n"))},
  broken: ${JSON.stringify(server("console.log('server.js edited');\n") + BROKEN)},
});
mod.server.close();
console.log(JSON.stringify(out));
`,
  }, ['hono', '@hono/node-server']);
  assertHttpSteps(out, { handlerFile: 'api.js', handlerLine: 3, serverReran: [10] });
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
  assert.equal(out.replaced, { ok: true, error: null, reran: { 'server.js': [4] }, swapped: { 'server.js': [] } }, 'the connection statement reads the replaced wss: it ran again on the new server (its handler is no swap)');
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
