/**
 * The control endpoint: a websocket server (ws) inside every hot process, through which the
 * `hot` CLI, an admin panel or a chat bot reloads, rolls back, applies hotfixes and reads status.
 *
 * It can run hotfix code, so an opening is a remote shell. Who may connect:
 * - the same machine: it listens on 127.0.0.1 only;
 * - the same user: the token is in a discovery file only this user can read (discovery.ts);
 * - no browser: any `Origin` header is refused, and `Host` must be the address it listens on,
 *   so a page on a rebound DNS name cannot reach it either (webpack-dev-server
 *   CVE-2018-14732 and CVE-2025-30360, Vite GHSA-vg6x-rcgg-rjx6).
 * All of it is decided on the HTTP upgrade request, before the websocket exists and before
 * any message is read. The token is compared in constant time.
 *
 * It never keeps the process alive (server and sockets are unref'd), and nothing that goes
 * wrong in it reaches the host's code: errors are logged on stderr.
 */
import type { Duplex } from 'node:stream';
import type { IncomingMessage, Server } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { CheckOptions, CheckResult, ReloadReport, RuntimeStatus } from '../runtime/index.js';
import { discoveryDirectory, listDiscoveries, openDirectory, readDiscovery, removeFile, writeDiscovery, type Discovery } from './discovery.js';
import { insideRoot } from './inside.js';
import { randomBytes } from './random.js';
import type { WatchStatus } from './watcher.js';
import { MAX_MESSAGE_BYTES, parseRequest, RequestError, type ErrorBody, type ReadyMode, type Reply, type Request } from './protocol.js';
// Builtins through process.getBuiltinModule, not `import`: an ES import of node:crypto
// evaluates its lazy getters (webcrypto), ~10 ms at start.
const { realpathSync } = process.getBuiltinModule('node:fs');
const { relative } = process.getBuiltinModule('node:path');

/** What the endpoint drives: the runtime's public API (passed in, so tests can stand in for it). */
export interface ControlRuntime {
  reload(files?: string[]): Promise<ReloadReport>;
  reloadAll(): Promise<ReloadReport>;
  rollback(): Promise<ReloadReport>;
  hotfix(file: string): Promise<ReloadReport>;
  status(): RuntimeStatus;
  onReload(listener: (report: ReloadReport) => void): () => void;
  /** Runs `run` so that what it sets up belongs to no top-level statement of the host (see Hub.detached). */
  detached<T>(run: () => T): T;
  /** The file watcher: on or off (and why), what it watches. */
  watching(): WatchStatus & { why: string };
  /** `hot check`'s checks (runtime `checkReloadSafety`). */
  check(options: CheckOptions): Promise<CheckResult>;
  /** Resolves when the app is ready by `mode` (see {@link ReadyMode}). */
  whenReady(mode: ReadyMode): Promise<void>;
}

export interface EndpointOptions {
  runtime: ControlRuntime;
  /** Project root: files outside it are refused. */
  root: string;
  entry: string | null;
  /** The @hot/loader version, published in the discovery file. */
  loader: string;
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Where the discovery file goes (default: discoveryDirectory()). */
  directory?: string;
  /** Where problems are reported (default: stderr). */
  log?: (line: string) => void;
}

/** `status` op's result. */
export interface ProcessStatus extends RuntimeStatus {
  pid: number;
  root: string;
  entry: string | null;
  node: string;
  loader: string;
  started: string;
  uptimeMs: number;
  watch: WatchStatus & { why: string };
}

const HOST = '127.0.0.1';
/** When the process started: the same in every thread of it (a worker's `performance.now()` starts with the worker). */
export const started = new Date(Math.floor(Date.now() - process.uptime() * 1000)).toISOString();

/** The requests that run in the runtime (the others are the connection's own). */
type BatchRequest = Exclude<Request, { op: 'subscribe' | 'unsubscribe' }>;

type WebSocketServer = import('ws').WebSocketServer;
type WebSocket = import('ws').WebSocket;

export class ControlEndpoint {
  readonly #options: Required<Omit<EndpointOptions, 'entry'>> & { entry: string | null };
  /** The root with symlinks resolved: a path is inside when its real path is. */
  readonly #realRoot: string;
  readonly #token: string;
  /** The token's sha256, made at the first connection (node:crypto is loaded then). */
  #tokenDigest: Buffer | null = null;
  /** Listens: a net server, which costs nothing to load; HTTP is parsed by #http, made at the first connection. */
  #server: NetServer | null = null;
  #http: Server | null = null;
  #sockets: WebSocketServer | null = null;
  #file: string | null = null;
  readonly #onExit = () => this.#file && removeFile(this.#file);
  /** Resolves with what the discovery file says once the endpoint listens (null if it could not start). */
  readonly ready: Promise<Discovery | null>;

  constructor(options: EndpointOptions) {
    this.#options = { port: 0, directory: discoveryDirectory(), log: (line) => process.stderr.write(line + '\n'), ...options };
    this.#realRoot = realpathSync(options.root);
    this.#token = randomBytes(32).toString('base64url');
    this.ready = this.#listen().catch((error) => {
      this.#log(`not started: ${(error as Error)?.message ?? error}`);
      this.close();
      return null;
    });
  }

  /** `fn`, run so that what it sets up belongs to none of the host's top-level statements. */
  #detached<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    const { runtime } = this.#options;
    return (...args) => runtime.detached(() => fn(...args));
  }

  #log(message: string): void {
    try {
      this.#options.log(`[hot] control endpoint: ${message}`);
    } catch {
      // a broken stderr must not take the process down
    }
  }

  async #listen(): Promise<Discovery | null> {
    const directory = openDirectory(this.#options.directory);
    // A worker thread started with the same --import: the main thread's endpoint is the process's.
    const published = readDiscovery(directory, process.pid);
    if (published && Math.abs(Date.parse(published.started) - Date.parse(started)) < 1000) return null;
    listDiscoveries(directory); // removes the files of processes that are gone
    const server = process.getBuiltinModule('node:net').createServer(this.#detached((socket: Socket) => this.#accept(socket)));
    this.#server = server;
    server.maxConnections = 64;
    // Unref'd before it binds: a process that is done does not wait for the endpoint to listen.
    server.unref();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: HOST, port: this.#options.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.#log(String(error?.message ?? error)));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : this.#options.port;
    const discovery: Discovery = {
      pid: process.pid, host: HOST, port, token: this.#token, root: this.#realRoot, entry: this.#options.entry,
      node: process.version, loader: this.#options.loader, started,
    };
    this.#file = writeDiscovery(directory, discovery);
    // Ctrl-C and `kill` end a process without exit handlers: its file stays until a reader
    // (the CLI, or the next hot process to start) finds its pid gone and removes it.
    // Listening for the signals instead would change what the host's code sees and does.
    process.on('exit', this.#onExit);
    return discovery;
  }

  /** Hands a connection to the HTTP parser, made (and node:http loaded, ~5 ms) at the first one. */
  #accept(socket: Socket): void {
    try {
      socket.unref();
      this.#http ??= this.#httpServer();
      this.#http.emit('connection', socket);
    } catch (error) {
      this.#log(`a connection failed: ${(error as Error)?.stack ?? error}`);
      socket.destroy();
    }
  }

  #httpServer(): Server {
    const server = process.getBuiltinModule('node:http').createServer();
    server.on('request', this.#detached((request: IncomingMessage, response: import('node:http').ServerResponse) => {
      // Plain HTTP gets nothing but a refusal (a browser's fetch, a port scanner).
      const status = this.#refusal(request)?.status ?? 426;
      response.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      response.end(JSON.stringify({ error: status === 426 ? 'this is a websocket endpoint (@hot/loader control)' : 'refused' }));
    }));
    server.on('upgrade', this.#detached((request: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(request, socket, head)));
    server.on('clientError', (_error, socket) => socket.destroy());
    return server;
  }

  /** Stops listening, closes every connection and removes the discovery file. */
  close(): void {
    this.#onExit();
    this.#file = null;
    process.off('exit', this.#onExit);
    for (const client of this.#sockets?.clients ?? []) client.terminate();
    this.#server?.close();
    this.#http?.closeAllConnections();
  }

  /** Why a request is refused, checked in this order, or null: Origin, Host, path, token. */
  #refusal(request: IncomingMessage): { status: number; reason: string } | null {
    if (request.headers.origin !== undefined) return { status: 403, reason: 'requests with an Origin header (browsers) are refused' };
    const address = this.#server?.address();
    const port = typeof address === 'object' && address ? address.port : -1;
    if (request.headers.host !== `${HOST}:${port}`) return { status: 403, reason: `the Host header must be ${HOST}:${port}` };
    if (request.url !== '/') return { status: 404, reason: 'the endpoint is at /' };
    if (!this.#tokenMatches(request.headers.authorization)) return { status: 401, reason: 'a valid token is required (Authorization: Bearer <token from the discovery file>)' };
    return null;
  }

  #tokenMatches(header: string | undefined): boolean {
    const { createHash, timingSafeEqual } = process.getBuiltinModule('node:crypto');
    this.#tokenDigest ??= createHash('sha256').update(this.#token).digest();
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    // Digests have one length whatever was sent, so the comparison takes one time too.
    return timingSafeEqual(createHash('sha256').update(given).digest(), this.#tokenDigest) && given.length > 0;
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    try {
      const refusal = this.#refusal(request);
      if (refusal) {
        const body = JSON.stringify({ error: refusal.reason });
        socket.end(`HTTP/1.1 ${refusal.status} ${refusal.status === 401 ? 'Unauthorized' : refusal.status === 404 ? 'Not Found' : 'Forbidden'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        return;
      }
      this.#webSockets().then(
        this.#detached((sockets: WebSocketServer) => sockets.handleUpgrade(request, socket, head, (ws) => this.#connection(ws))),
        (error) => {
          this.#log(`cannot load ws: ${error?.message ?? error}`);
          socket.destroy();
        },
      );
    } catch (error) {
      this.#log(`upgrade failed: ${(error as Error)?.stack ?? error}`);
      socket.destroy();
    }
  }

  /** ws is loaded at the first accepted connection: a process nobody connects to never pays for it. */
  async #webSockets(): Promise<WebSocketServer> {
    if (!this.#sockets) {
      const { WebSocketServer } = await import('ws');
      this.#sockets ??= new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: true });
    }
    return this.#sockets;
  }

  #connection(ws: WebSocket): void {
    let queue: Promise<void> = Promise.resolve();
    let unsubscribe: (() => void) | null = null;
    const send = (message: object) => {
      if (ws.readyState !== ws.OPEN) return;
      try {
        ws.send(JSON.stringify(message));
      } catch (error) {
        this.#log(`cannot send a reply: ${(error as Error)?.message ?? error}`);
      }
    };
    ws.on('error', () => ws.terminate());
    ws.on('close', () => unsubscribe?.());
    ws.on('message', this.#detached((data: import('ws').RawData, isBinary: boolean) => {
      // Requests of one connection are answered in the order they came; batches of all
      // connections run in the runtime's order (one at a time, in call order).
      queue = queue.then(async () => {
        let id: Reply['id'] = null;
        try {
          if (isBinary) throw new RequestError('ERR_HOT_BAD_REQUEST', 'binary messages are not accepted: send JSON text');
          const request = parseRequest(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
          id = request.id;
          if (request.op === 'subscribe' || request.op === 'unsubscribe') {
            unsubscribe?.();
            unsubscribe = request.op === 'subscribe' ? this.#options.runtime.onReload((report) => send({ event: 'report', report })) : null;
            send({ id, ok: true, result: { subscribed: unsubscribe !== null } });
            return;
          }
          send(await this.#run(request as BatchRequest, send));
        } catch (error) {
          if (error instanceof RequestError) send({ id: error.id ?? id, ok: false, error: { code: error.code, message: error.message } });
          else {
            this.#log(`a request failed inside the endpoint: ${(error as Error)?.stack ?? error}`);
            send({ id, ok: false, error: { code: 'ERR_HOT_CONTROL', message: `the endpoint failed: ${(error as Error)?.message ?? error}` } });
          }
        }
      });
    }));
  }

  async #run(request: BatchRequest, send: (message: object) => void): Promise<Reply> {
    const { runtime } = this.#options;
    const { id } = request;
    switch (request.op) {
      case 'status':
        return { id, ok: true, result: this.#status() };
      case 'reload': {
        // One status for the request (it lists every module), however many files it names.
        const hot = request.files && new Set(runtime.status().modules.map((module) => module.file));
        const files = request.files?.map((file) => this.#hotFile(file, id, hot as Set<string>));
        return answer(id, await runtime.reload(files));
      }
      case 'reloadAll':
        return answer(id, await runtime.reloadAll());
      case 'rollback':
        return answer(id, await runtime.rollback());
      case 'hotfix':
        return answer(id, await runtime.hotfix(this.#inside(request.file, id)));
      case 'check': {
        // The reply comes at the end; progress events go to this connection meanwhile.
        const invariants = request.invariants === undefined ? undefined : this.#inside(request.invariants, id);
        await runtime.whenReady(request.ready ?? 'now');
        try {
          const result = await runtime.check({ rounds: request.rounds, invariants, onProgress: (progress) => send({ event: 'check', id, progress }) });
          return { id, ok: true, result };
        } catch (error) {
          const { code, message } = error as { code?: unknown; message?: unknown };
          return { id, ok: false, error: { code: typeof code === 'string' ? code : 'ERR_HOT_CHECK', message: String(message ?? error) } };
        }
      }
      default: {
        const never: never = request;
        throw new RequestError('ERR_HOT_BAD_REQUEST', `unknown op ${(never as Request).op}`, id);
      }
    }
  }

  #status(): ProcessStatus {
    const { entry, loader, runtime } = this.#options;
    return { pid: process.pid, root: this.#realRoot, entry, node: process.version, loader, started, uptimeMs: Math.round(performance.now()), watch: runtime.watching(), ...runtime.status() };
  }

  #inside(path: string, id: Reply['id']): string {
    return insideRoot(this.#options.root, this.#realRoot, path, id);
  }

  #hotFile(path: string, id: Reply['id'], hot: Set<string>): string {
    const real = this.#inside(path, id);
    if (!hot.has(real)) {
      throw new RequestError('ERR_HOT_NOT_HOT', `${relative(this.#realRoot, real)} is not a loaded hot module of this process: it is not imported yet, or excluded by config`, id);
    }
    return real;
  }
}

/** A batch's reply: `ok` is the report's, and a failed batch's error is the reply's error too. */
export function answer(id: Reply['id'], report: ReloadReport): Reply {
  if (report.ok) return { id, ok: true, result: report };
  const error: ErrorBody = { code: report.error?.code ?? 'ERR_HOT_EVALUATION', message: report.error?.message ?? 'the batch failed' };
  for (const key of ['file', 'line', 'column'] as const) if (report.error?.[key] !== undefined) (error as unknown as Record<string, unknown>)[key] = report.error[key];
  return { id, ok: false, error, result: report };
}
