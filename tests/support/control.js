// Control endpoint tests: a real hot process in a throw-away project, found through its
// discovery file in a per-test directory, and a real ws client.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { node } from './project.js';

/** A fresh discovery directory (not yet created: the process creates it 0700). */
export function controlDir() {
  return join(mkdtempSync(join(tmpdir(), 'hot-control-test-')), 'discovery');
}

/** Waits for `predicate()` to be truthy, failing with `message` after `ms`. */
export async function until(predicate, message, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Starts `node --import @hot/loader <entry>` in the project and waits for its discovery file.
 * Returns { child, pid, discovery, output(), stop() }.
 */
export async function startApp(project, { entry = 'server.js', dir, env = {}, args = [] } = {}) {
  const child = spawn(node, ['--import', '@hot/loader', ...args, entry], {
    cwd: project.dir,
    env: { ...process.env, HOT_QUIET: '1', HOT_CONTROL_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const file = join(dir, `${child.pid}.json`);
  await until(() => existsSync(file) || exited, `the discovery file ${file} of the app (output: ${output})`);
  if (exited) throw new Error(`the app exited (${JSON.stringify(exited)}) before publishing its endpoint: ${output}`);
  const discovery = JSON.parse(readFileSync(file, 'utf8'));
  return {
    child,
    pid: child.pid,
    file,
    discovery,
    output: () => output,
    exited: () => exited,
    async stop() {
      if (exited) return;
      child.kill('SIGINT');
      await until(() => exited, 'the app exits');
    },
  };
}

/**
 * Opens a ws connection. `headers` replace the default (the token); `url` the default address.
 * Resolves with a client, or rejects with the HTTP status of a refusal (`error.status`).
 */
export function connect(discovery, { headers, url, origin } = {}) {
  const target = url ?? `ws://127.0.0.1:${discovery.port}/`;
  const ws = new WebSocket(target, { headers: headers ?? { authorization: `Bearer ${discovery.token}` }, ...(origin ? { origin } : {}) });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        const error = new Error(`refused with ${response.statusCode}: ${body}`);
        error.status = response.statusCode;
        error.body = body;
        reject(error);
      });
    });
    ws.once('error', reject);
    ws.once('open', () => resolve(client(ws)));
  });
}

function client(ws) {
  const replies = [];
  const events = [];
  const waiting = [];
  let closed = null;
  ws.on('message', (data) => {
    const message = JSON.parse(String(data));
    if ('event' in message) events.push(message);
    else replies.push(message);
    for (const wake of waiting.splice(0)) wake();
  });
  ws.on('close', (code, reason) => {
    closed = { code, reason: String(reason) };
    for (const wake of waiting.splice(0)) wake();
  });
  const changed = () => new Promise((resolve) => waiting.push(resolve));
  let next = 1;
  return {
    ws,
    replies,
    events,
    closed: () => closed,
    /** Sends raw text (or a Buffer). */
    sendRaw: (data, options) => ws.send(data, options),
    /** Sends `{ id, ...message }` and waits for the reply with that id. */
    async request(message, { id = `r${next++}` } = {}) {
      ws.send(JSON.stringify({ id, ...message }));
      return this.reply(id);
    },
    async reply(id, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = replies.find((reply) => reply.id === id);
        if (found) return found;
        if (closed) throw new Error(`the connection closed (${closed.code}) before the reply to ${id}`);
        if (Date.now() > deadline) throw new Error(`no reply to ${id} within ${ms} ms`);
        await Promise.race([changed(), new Promise((resolve) => setTimeout(resolve, 50))]);
      }
    },
    /** Waits until `count` replies arrived. */
    async replyCount(count, ms = 60_000) {
      const deadline = Date.now() + ms;
      while (replies.length < count) {
        if (closed) throw new Error(`the connection closed (${closed.code}) after ${replies.length} of ${count} replies`);
        if (Date.now() > deadline) throw new Error(`${replies.length} of ${count} replies within ${ms} ms`);
        await Promise.race([changed(), new Promise((resolve) => setTimeout(resolve, 50))]);
      }
    },
    async waitClosed(ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!closed) {
        if (Date.now() > deadline) throw new Error(`the connection stayed open for ${ms} ms`);
        await Promise.race([changed(), new Promise((resolve) => setTimeout(resolve, 50))]);
      }
      return closed;
    },
    close: () => ws.close(),
  };
}

/** Asserts the shape every reply must have; returns an error string or null. */
export function malformedReply(reply) {
  if (reply === null || typeof reply !== 'object') return 'not an object';
  if (!('id' in reply)) return 'no id';
  if (typeof reply.ok !== 'boolean') return 'ok is not a boolean';
  if (!reply.ok) {
    if (!reply.error || typeof reply.error.code !== 'string' || !/^ERR_HOT_[A-Z_]+$/.test(reply.error.code)) return `bad error code ${JSON.stringify(reply.error)}`;
    if (typeof reply.error.message !== 'string' || reply.error.message.length === 0) return 'empty error message';
  } else if (!('result' in reply)) return 'ok without result';
  return null;
}
