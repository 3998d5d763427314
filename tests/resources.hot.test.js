// What replaced code set up is released: timers, intervals, listeners on long-lived emitters
// and listening servers made by a statement's or initializer's previous run go when it runs
// again, is edited or is removed; what a failed batch's code set up goes with it; a replaced
// server hands its port to the new one without dropping the connections it holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { once } from 'node:events';
import { reload } from '@hot/loader/runtime';
import { reloaded, stage, until } from './support/stage.js';

/**
 * A free port below Linux's ephemeral range (32768-60999): a port the kernel handed out (listen
 * 0) can be handed out again, to an outgoing connection, between the probe and the test's own
 * listen (it happened once in CI, under load).
 */
async function freePort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const probe = http.createServer();
    const free = await new Promise((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => probe.close(resolve));
      return port;
    }
  }
  throw new Error('no free port in 20000-32000 after 50 tries');
}

test('replaced and removed code releases its timers, listeners and servers; the port is handed over and connections stay; a failed batch leaves nothing', async () => {
  globalThis.testPort = await freePort();
  const s = stage('resources');
  const { log } = await s.import('log.js');
  const mod = await s.import('server.js');
  const firstServer = mod.server;
  const firstTicker = mod.ticker;
  if (!firstServer.listening) await once(firstServer, 'listening');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  const get = (port = globalThis.testPort) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      sockets.add(res.socket);
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  const usr2 = process.listenerCount('SIGUSR2');
  assert.is(await get(), 'v1');
  await until(() => log.includes('removed tick'), 'the v1 intervals tick');

  const second = await reloaded(s, ['server.js']);
  const report = second.modules[0];
  assert.equal(report.reran, [9, 10], 'the edited process listener and onReload statements ran again');
  assert.equal(report.released, ['2 timers', '2 listeners'], 'the replaced ticker, the removed interval, the old SIGUSR2 and onReload listeners (the old server handed its port over)');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(log.filter((line) => line === 'reload seen'), ['reload seen'], 'one onReload listener saw the batch: the old one was released at commit');
  assert.is.not(mod.server, firstServer);
  assert.is(firstServer.listening, false, 'the old server gave up its port');
  assert.is(mod.server.listening, true);
  assert.is(mod.server.address().port, globalThis.testPort, 'the new server listens on the same port');
  assert.is(firstTicker._destroyed, true, 'the replaced interval is cleared');
  assert.is(process.listenerCount('SIGUSR2'), usr2, 'the edited process listener did not pile up');
  log.splice(0);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.not.ok(log.includes('removed tick'), 'the removed interval no longer runs');
  assert.ok(log.includes('tick'));
  assert.is(await get(), 'v2', 'the kept keep-alive connection is served, by the new code');
  assert.is(sockets.size, 1, 'one connection for both requests: the old server kept it open');

  // A broken edit that had started a timer, a server and a listener, and took the port over.
  const beforeFailed = process.listenerCount('SIGUSR1');
  s.to('v3');
  const failed = await reload(s.path('server.js'));
  assert.is(failed.ok, false);
  assert.match(failed.error.message, 'broken v3');
  const { made } = globalThis;
  assert.is(made.other.listening, false, "the failed version's new server was closed");
  assert.is(made.server.listening, false, "the failed version's replacement server was closed");
  assert.is(mod.server.listening, true, 'the server that handed its port over listens again');
  assert.is(process.listenerCount('SIGUSR1'), beforeFailed, "the failed version's listener was removed");
  log.splice(0);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.not.ok(log.includes('extra v3'), "the failed version's interval does not run");
  assert.is(await get(), 'v2', 'the old code serves, on the same connection');
  agent.destroy();
  const fresh = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: globalThis.testPort, path: '/' }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  assert.is(fresh, 'v2', 'a new connection reaches the restored server');

  // A new listen on a port a kept server holds fails the batch instead of crashing the process.
  s.to('v4');
  const held = await reload(s.path('server.js'));
  assert.is(held.ok, false);
  assert.is(held.error.code, 'ERR_HOT_LISTEN');
  assert.is(held.error.line, 10);
  assert.match(held.error.message, 'EADDRINUSE');
  assert.match(held.error.message, 'import.meta.hot.data');
  assert.is(mod.server.listening, true);

  clearInterval(mod.ticker);
  mod.server.close();
  process.removeAllListeners('SIGUSR2');
});

test('what a statement sets up after an await in it is its own: released when the statement runs again', async () => {
  const s = stage('awaited');
  const mod = await s.import('ticks.js');
  assert.is(mod.started.length, 1);
  const first = mod.started[0];
  const report = await reloaded(s, ['ticks.js']);
  assert.equal(report.modules[0].reran, [3]);
  assert.equal(report.modules[0].released, ['1 timer'], 'the interval started after the await (the timeout of the await had fired)');
  assert.is(first._destroyed, true);
  assert.is(mod.started.length, 2, 'the kept array got the new interval');
  assert.is(mod.started[1]._destroyed, false);
  clearInterval(mod.started[1]);
});

test('a module that wraps EventEmitter#on while it loads keeps its wrapper', async () => {
  const { EventEmitter } = await import('node:events');
  const before = EventEmitter.prototype.on;
  const s = stage('apm');
  const apm = await s.import('apm.js');
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(EventEmitter.prototype.on, apm.instrumentedOn, 'the instrumentation is still in place after the loader took its own wrappers off');
  new EventEmitter().on('probe', () => {});
  assert.ok(apm.seen.includes('probe'));
  EventEmitter.prototype.on = before;
});

test.run();
