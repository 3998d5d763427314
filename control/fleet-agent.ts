/**
 * The fleet agent: inside every hot process with fleet settings, it joins the fleet on
 * Redis, keeps a presence key alive, and acts on the signed requests of `hot fleet`
 * (control/fleet-protocol.ts) through the same runtime API as the control endpoint.
 *
 * Loaded (with @redis/client) only by a process that has fleet settings. It never blocks
 * start-up, never keeps the process alive (its sockets and timers are unref'd) and never
 * throws into the host: Redis down at start, or lost later, is one log line, then it
 * retries with backoff and rejoins by itself. Reconnecting is ours, not the client's: the
 * client's own retry timer would keep a process that is done alive.
 */
import type { RedisClientType } from '@redis/client';
import type { ReloadReport } from '../runtime/index.js';
import { answer, started, type ControlRuntime } from './endpoint.js';
import { HEARTBEAT_MS, fleetKeys, messageId, openMessage, PRESENCE_TTL_MS, redact, seal, SeenIds, sha256, FleetRefusal, type FleetFile, type FleetHealth, type FleetMember, type FleetReply, type FleetRequest, type FleetSettings } from './fleet-protocol.js';
import { insideRoot, underRoot, within } from './inside.js';
import { replaceWhole } from '../loader/maps.js';
import { RequestError } from './protocol.js';
const { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync, unlinkSync } = process.getBuiltinModule('node:fs');
const { hostname } = process.getBuiltinModule('node:os');
const { dirname, join, relative } = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');

export interface FleetAgentOptions {
  settings: FleetSettings;
  runtime: ControlRuntime;
  root: string;
  entry: string | null;
  loader: string;
  log?: (line: string) => void;
}

/** Waits between reconnect attempts: doubling from the first, up to the last. */
const RETRY_MS = [250, 5000] as const;

type Client = RedisClientType;
/** A file a request wrote: what it held before (null: it did not exist) and what was written. */
type Written = { path: string; before: string | null; wrote: string };

export class FleetAgent {
  readonly member: string;
  readonly #options: Required<FleetAgentOptions>;
  readonly #keys: ReturnType<typeof fleetKeys>;
  readonly #realRoot: string;
  readonly #seen = new SeenIds();
  #client: Client | null = null;
  #subscriber: Client | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #retry: NodeJS.Timeout | null = null;
  #retryMs: number = RETRY_MS[0];
  #closed = false;
  /** Whether the last attempt or connection failed (one log line per outage, not one per retry). */
  #down = false;
  #joinedOnce = false;
  /** Requests run one at a time, in the order they came. */
  #queue: Promise<void> = Promise.resolve();
  /** The batch each request applied here, by request id (for `rollback` with `undo`); the newest 100. */
  readonly #applied = new Map<string, { batch: number; written: Written[] }>();
  /** The last batch applied in this process, by anyone (a rollback applies one too). */
  #lastBatch = -1;
  /** Uncaught exceptions and unhandled rejections, newest last (the last 20), for `health`. */
  readonly #errors: FleetHealth['errors'] = [];
  /** The app's unhandled rejections, seen by a listener of ours only while the app has one of its own (see #watchErrors). */
  readonly #onRejection = (reason: unknown) => this.#record('unhandled rejection', reason);

  constructor(options: FleetAgentOptions) {
    this.#options = { log: (line) => process.stderr.write(line + '\n'), ...options };
    this.#keys = fleetKeys(options.settings.name);
    this.#realRoot = realpathSync(options.root);
    this.member = `${hostname()}/${process.pid}/${messageId().slice(0, 6)}`;
    process.once('exit', this.#onExit);
    process.once('beforeExit', this.#onBeforeExit);
    this.#watchErrors();
    options.runtime.onReload((report) => {
      if (report.ok && report.modules.length > 0) this.#lastBatch = report.batch;
    });
    void this.#connect();
  }

  /**
   * Records what goes wrong in the process without changing what happens to it:
   * `uncaughtExceptionMonitor` sees an uncaught exception before Node's default (the process
   * ends) or the app's handler runs, and an unhandled rejection that Node turns into one (its
   * default). An app with its own 'unhandledRejection' listener handles them itself; a
   * listener of ours beside it changes nothing, so we add one only while the app has one.
   */
  #watchErrors(): void {
    process.on('uncaughtExceptionMonitor', (error, origin) => this.#record(origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception', error));
    const sync = () => {
      const others = process.listeners('unhandledRejection').some((listener) => listener !== this.#onRejection);
      const ours = process.listeners('unhandledRejection').includes(this.#onRejection);
      if (others && !ours) process.on('unhandledRejection', this.#onRejection);
      else if (!others && ours) process.off('unhandledRejection', this.#onRejection);
    };
    for (const event of ['newListener', 'removeListener'] as const) {
      process.on(event, (name: string | symbol) => {
        if (name === 'unhandledRejection') queueMicrotask(sync);
      });
    }
    sync();
  }

  #record(kind: FleetHealth['errors'][number]['kind'], error: unknown): void {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // The first frame in the project: stack traces are source-mapped, so it is the line as written.
    const stack = error instanceof Error ? String(error.stack ?? '') : '';
    let at: string | null = null;
    for (const match of stack.matchAll(/\(?(?:file:\/\/)?(\/[^():\s]+):(\d+):(\d+)\)?$/gm)) {
      if (match[1].startsWith(this.#realRoot + '/') && !match[1].includes('/node_modules/')) {
        at = `${relative(this.#realRoot, match[1])}:${match[2]}:${match[3]}`;
        break;
      }
    }
    this.#errors.push({ kind, message: message.slice(0, 1000), at, time: Date.now() });
    if (this.#errors.length > 20) this.#errors.shift();
  }

  /** The health hook's verdict: the default export of the `health` module, called with a 5 s limit. */
  async #hook(): Promise<FleetHealth['hook']> {
    const { health } = this.#options.settings;
    if (health === null) return null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const module = await import(pathToFileURL(underRoot(this.#options.root, this.#realRoot, health, null)).href);
      if (typeof module.default !== 'function') return { ok: false, message: `${health} has no default export function (the health hook)` };
      const verdict = await Promise.race([
        Promise.resolve(module.default()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('did not answer within 5 s')), 5000);
          timer.unref();
        }),
      ]);
      if (verdict === false) return { ok: false, message: `${health} said unhealthy` };
      if (typeof verdict === 'string') return { ok: false, message: verdict };
      return { ok: true, message: null };
    } catch (error) {
      return { ok: false, message: `${health}: ${(error as Error)?.message ?? error}` };
    } finally {
      clearTimeout(timer);
    }
  }

  #log(message: string): void {
    try {
      this.#options.log(`[hot] fleet: ${message}`);
    } catch {
      // a broken stderr must not take the process down
    }
  }

  readonly #onExit = () => void this.close(false);
  /**
   * The process ends by itself: the DEL is awaited, unless the app listens to 'beforeExit' too
   * (work of ours would make Node emit it again, and run the app's listeners twice).
   */
  readonly #onBeforeExit = () => void this.close(process.listenerCount('beforeExit') === 0);

  /**
   * Leaves the fleet: the presence key is deleted and the connections closed. When the process
   * ends by itself (its event loop empties: 'beforeExit'), the DEL is awaited, for one second at
   * most, so `hot fleet ps` stops listing it at once. At 'exit' (process.exit, or after
   * 'beforeExit') nothing asynchronous runs any more: the key expires PRESENCE_TTL_MS after the
   * last heartbeat, as it does for a process that is killed.
   */
  async close(awaitLeave = true): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    process.off('exit', this.#onExit);
    process.off('beforeExit', this.#onBeforeExit);
    if (this.#retry) clearTimeout(this.#retry);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = null;
    this.#subscriber?.destroy();
    this.#subscriber = null;
    if (!client) return;
    if (!awaitLeave) {
      client.destroy();
      return;
    }
    client.ref(); // keeps an ending process alive until Redis answered (or the second passed)
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.del(this.#keys.memberPrefix + this.member).catch(() => {}),
      new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
    ]);
    clearTimeout(timer);
    client.destroy();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const { settings } = this.#options;
    let client: Client | null = null;
    let subscriber: Client | null = null;
    try {
      const { createClient } = await import('@redis/client');
      // No pingInterval: its timer is ref'd and would keep a finished process alive. A connection
      // that went half-open is found by the heartbeat instead (see below), and both are redone.
      client = createClient({ url: settings.url, socket: { reconnectStrategy: false, connectTimeout: 3000 } }) as Client;
      client.on('error', (error: Error) => this.#lost(client, error));
      client.on('end', () => this.#lost(client, new Error('the connection closed')));
      client.unref();
      await client.connect();
      subscriber = client.duplicate() as Client;
      subscriber.on('error', (error: Error) => this.#lost(subscriber, error));
      subscriber.on('end', () => this.#lost(subscriber, new Error('the connection closed')));
      subscriber.unref();
      await subscriber.connect();
      if (this.#closed) throw new Error('closed');
      this.#client = client;
      this.#subscriber = subscriber;
      await subscriber.subscribe(this.#keys.requests, (message: string) => this.#options.runtime.detached(() => this.#receive(message)));
      await this.#announce();
      if (this.#closed) throw new Error('closed');
      let announcing = false;
      this.#heartbeat = setInterval(() => {
        // The last heartbeat has not been answered in HEARTBEAT_MS: the connection is as good as lost.
        if (announcing) return this.#lost(this.#client, new Error(`Redis did not answer a heartbeat within ${HEARTBEAT_MS} ms`));
        announcing = true;
        this.#announce().then(() => (announcing = false), (error) => this.#lost(this.#client, error));
      }, HEARTBEAT_MS);
      this.#heartbeat.unref();
      this.#retryMs = RETRY_MS[0];
      this.#log(`${this.#joinedOnce ? 'rejoined' : 'joined'} ${settings.name} at ${redact(settings.url)} as ${this.member}`);
      this.#joinedOnce = true;
      this.#down = false;
    } catch (error) {
      if (this.#closed) {
        client?.destroy();
        subscriber?.destroy();
        return;
      }
      this.#lost(client, error as Error);
    }
  }

  /** A connection failed or closed: drop both and try again later. */
  #lost(which: Client | null, error: Error): void {
    if (this.#closed) return;
    // Events of a connection already dropped say nothing new.
    if (which !== null && which !== this.#client && which !== this.#subscriber && this.#client !== null) return;
    if (!this.#down) this.#log(`${this.#joinedOnce ? 'lost' : 'cannot reach'} Redis at ${redact(this.#options.settings.url)} (${error?.message ?? error}); retrying in the background`);
    this.#down = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    for (const client of [this.#client, this.#subscriber, which]) {
      try {
        client?.destroy();
      } catch {
        // already closed
      }
    }
    this.#client = null;
    this.#subscriber = null;
    if (this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#connect();
    }, this.#retryMs);
    this.#retry.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MS[1]);
  }

  /** Who this process is: its presence record, and the head of its `ps` answer. */
  #identity(): Omit<FleetMember, 'v' | 'kind' | 'id' | 'time'> {
    const { entry, loader } = this.#options;
    return { member: this.member, host: hostname(), pid: process.pid, root: this.#realRoot, entry, node: process.version, loader, started };
  }

  /** Writes the presence key (it lives PRESENCE_TTL_MS). */
  async #announce(): Promise<void> {
    const record: FleetMember = { v: 1, kind: 'member', id: messageId(), time: Date.now(), ...this.#identity() };
    await this.#client?.set(this.#keys.memberPrefix + this.member, seal(this.#options.settings.secret, record), { expiration: { type: 'PX', value: PRESENCE_TTL_MS } });
  }

  /** Refusals logged in the current minute, and those left unsaid: a flood of bad messages is not a flood of lines. */
  #refusals = { minute: 0, logged: 0, unsaid: 0 };

  #refused(why: string): void {
    const minute = Math.floor(Date.now() / 60_000);
    const count = this.#refusals;
    if (minute !== count.minute) {
      if (count.unsaid) this.#log(`refused ${count.unsaid} more message${count.unsaid > 1 ? 's' : ''} in the minute before (not logged one by one)`);
      this.#refusals = { minute, logged: 0, unsaid: 0 };
    }
    if (this.#refusals.logged < 10) {
      this.#refusals.logged++;
      this.#log(`refused ${why}`);
    } else this.#refusals.unsaid++;
  }

  #receive(wire: string): void {
    let request: FleetRequest;
    try {
      const body = openMessage(this.#options.settings.secret, wire, Date.now(), this.#seen);
      if (body.kind !== 'request') throw new FleetRefusal(`a ${body.kind} on the request channel`);
      request = body;
    } catch (error) {
      this.#refused(error instanceof FleetRefusal ? error.message : `a message: ${(error as Error)?.message ?? error}`);
      return;
    }
    if (!request.to.includes(this.member)) return;
    // Times of the request are the sender's clock: taken as spans from its `time`, on ours.
    const received = Date.now();
    const deadline = received + (request.deadline - request.time);
    if (request.since !== undefined) request.since = received - (request.time - request.since);
    this.#queue = this.#queue.then(async () => {
      // An undo is never dropped: it undoes only what its request applied here, late or not.
      if (Date.now() > deadline && !(request.op === 'rollback' && request.undo !== undefined)) {
        this.#log(`dropped ${request.op} request ${request.id}: it came after its command stopped waiting`);
        return;
      }
      let reply: Omit<FleetReply, 'v' | 'kind' | 'id' | 'time' | 're' | 'member'>;
      try {
        const written: Written[] = [];
        reply = await this.#run(request, written);
        const report = reply.result as ReloadReport | undefined;
        if ((request.op === 'reload' || request.op === 'hotfix') && reply.ok && report && report.modules.length > 0) {
          this.#applied.set(request.id, { batch: report.batch, written });
          if (this.#applied.size > 100) this.#applied.delete(this.#applied.keys().next().value as string);
        }
      } catch (error) {
        if (error instanceof RequestError) reply = { ok: false, error: { code: error.code, message: error.message } };
        else {
          this.#log(`a request failed inside the agent: ${(error as Error)?.stack ?? error}`);
          reply = { ok: false, error: { code: 'ERR_HOT_CONTROL', message: `the fleet agent failed: ${(error as Error)?.message ?? error}` } };
        }
      }
      const body: FleetReply = { v: 1, kind: 'reply', id: messageId(), time: Date.now(), re: request.id, member: this.member, ...reply };
      try {
        await this.#client?.publish(request.replyTo, seal(this.#options.settings.secret, body));
      } catch (error) {
        this.#log(`cannot send the reply to ${request.id}: ${(error as Error)?.message ?? error}`);
      }
    });
  }

  /** Runs a request; `written` gets the files a push or hotfix wrote (to put back if it is undone). */
  async #run(request: FleetRequest, written: Written[]): Promise<Omit<FleetReply, 'v' | 'kind' | 'id' | 'time' | 're' | 'member'>> {
    const { runtime } = this.#options;
    switch (request.op) {
      case 'ps':
        return { ok: true, result: this.#status() };
      case 'rollback': {
        if (request.undo === undefined) return reply(await runtime.rollback());
        const applied = this.#applied.get(request.undo);
        if (applied === undefined) return { ok: true, result: { op: 'rollback', ok: true, batch: -1, modules: [], ms: 0, nothing: `request ${request.undo} applied nothing here` } };
        if (applied.batch !== this.#lastBatch) throw new RequestError('ERR_HOT_FLEET_MOVED', `another batch (${this.#lastBatch}) was applied here after request ${request.undo} (batch ${applied.batch}); it was not rolled back: check with hot fleet ps, and roll back by hand`);
        const report = await runtime.rollback();
        if (report.ok) {
          this.#applied.delete(request.undo);
          // The files its push wrote go back too, or a restart (or the next reload) would bring it back.
          this.#putBack(applied.written);
        }
        return reply(report);
      }
      case 'reload': {
        if (request.all) return reply(await runtime.reloadAll());
        if (!request.files) return reply(await runtime.reload());
        // Only loaded hot modules, checked before anything is written: a push cannot drop a new file into the project.
        this.#hotOnly(request.files);
        return this.#withFiles(request.files, written, async (paths) => runtime.reload(paths));
      }
      case 'hotfix':
        return this.#withFiles(request.files!, written, async ([path]) => runtime.hotfix(path));
      case 'health': {
        const since = request.since as number; // on our clock (see #receive)
        const health: FleetHealth = { errors: this.#errors.filter((error) => error.time >= since).slice(0, 5), hook: await this.#hook() };
        const ok = health.errors.length === 0 && (health.hook?.ok ?? true);
        return ok ? { ok, result: health } : { ok, result: health, error: { code: 'ERR_HOT_UNHEALTHY', message: healthMessage(health) } };
      }
      case 'verify': {
        this.#hotOnly(request.files!);
        for (const file of request.files!) {
          const absolute = this.#target(file.path);
          if (file.source === undefined) this.#sameOnDisk(file, absolute);
        }
        return { ok: true, result: { verified: request.files!.length } };
      }
      default: {
        const never: never = request.op;
        throw new RequestError('ERR_HOT_BAD_REQUEST', `unknown op ${String(never)}`);
      }
    }
  }

  /**
   * Checks that each file on disk is the one the request names (by sha256), or, when the
   * request carries its source (`--push`, and every hotfix), writes it there first. Then runs
   * `apply` with the real paths; if the batch fails, the files written are put back as they
   * were. `written` gets what was written, for an undo later.
   */
  async #withFiles(files: FleetFile[], written: Written[], apply: (paths: string[]) => Promise<ReloadReport>) {
    const plan: Written[] = [];
    for (const file of files) {
      const absolute = this.#target(file.path);
      const onDisk = existsSync(absolute) ? readFileSync(absolute, 'utf8') : null;
      if (file.source !== undefined) {
        if (sha256(file.source) !== file.sha256) throw new RequestError('ERR_HOT_BAD_REQUEST', `${file.path}: the source sent does not match its sha256`);
        if (onDisk !== file.source) plan.push({ path: absolute, before: onDisk, wrote: file.source });
      } else this.#sameOnDisk(file, absolute, onDisk);
    }
    const paths: string[] = [];
    try {
      for (const entry of plan) {
        mkdirSync(dirname(entry.path), { recursive: true });
        writeWhole(entry.path, entry.wrote);
        written.push(entry);
      }
      for (const file of files) paths.push(insideRoot(this.#options.root, this.#realRoot, file.path, null));
    } catch (error) {
      this.#putBack(written.splice(0));
      throw error;
    }
    const report = await apply(paths).catch((error) => {
      this.#putBack(written.splice(0));
      throw error;
    });
    if (!report.ok) this.#putBack(written.splice(0));
    return reply(report);
  }

  /** Puts files back as they were, newest first, each only while it still holds what we wrote (a worker sharing this copy may have written since). */
  #putBack(files: Written[]): void {
    for (const { path, before, wrote } of [...files].reverse()) {
      try {
        if (!existsSync(path) || readFileSync(path, 'utf8') !== wrote) continue;
        if (before === null) unlinkSync(path);
        else writeWhole(path, before);
      } catch (error) {
        this.#log(`cannot put ${path} back: ${(error as Error)?.message ?? error}`);
      }
    }
  }

  /**
   * Where a request's file is written: under the root as written, and under the real root
   * once symlinks are resolved (the deepest directory that exists is resolved); never a
   * symlink itself (a write would replace the link, or go through it).
   * @throws {RequestError} ERR_HOT_OUTSIDE_ROOT
   */
  #target(path: string): string {
    const absolute = underRoot(this.#options.root, this.#realRoot, path, null);
    let existing = absolute;
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
    const real = join(realpathSync(existing), relative(existing, absolute));
    if (!within(this.#realRoot, real)) throw new RequestError('ERR_HOT_OUTSIDE_ROOT', `${path} leads outside the project root ${this.#realRoot} through a symlink; it is not written`);
    try {
      if (lstatSync(absolute).isSymbolicLink()) throw new RequestError('ERR_HOT_OUTSIDE_ROOT', `${path} is a symlink; a fleet push writes regular files only`);
    } catch (error) {
      if (error instanceof RequestError) throw error;
    }
    return absolute;
  }

  /** @throws {RequestError} a file that is outside the root, or not a loaded hot module here */
  #hotOnly(files: FleetFile[]): void {
    const hot = new Set(this.#options.runtime.status().modules.map((module) => module.file));
    for (const file of files) {
      const absolute = underRoot(this.#options.root, this.#realRoot, file.path, null);
      if (!hot.has(existsSync(absolute) ? realpathSync(absolute) : absolute)) throw notHot(file.path);
    }
  }

  /** Checks that the file on disk is the one named (by sha256). */
  #sameOnDisk(file: FleetFile, absolute: string, onDisk = existsSync(absolute) ? readFileSync(absolute, 'utf8') : null): void {
    if (onDisk === null) throw new RequestError('ERR_HOT_NOT_FOUND', `${file.path} does not exist under ${this.#realRoot}; deploy it first, or send it with --push`);
    const hash = sha256(onDisk);
    if (hash !== file.sha256) throw new RequestError('ERR_HOT_FILE_DIFFERS', `${file.path} on this host differs from the one the reload names (sha256 ${hash.slice(0, 12)}, asked for ${file.sha256.slice(0, 12)}); deploy it first, or send the source with --push`);
  }

  #status() {
    const status = this.#options.runtime.status();
    return {
      ...this.#identity(),
      uptimeMs: Math.round(performance.now()),
      modules: status.modules.map((module) => ({ file: relative(this.#realRoot, module.file), version: module.version, hash: module.hash })),
      oldVersions: status.oldVersions,
    };
  }
}

function healthMessage(health: FleetHealth): string {
  const first = health.errors[0];
  if (first) return `${first.kind}${first.at ? ` at ${first.at}` : ''}: ${first.message}${health.errors.length > 1 ? ` (and ${health.errors.length - 1} more)` : ''}`;
  return `the health hook: ${health.hook?.message ?? 'unhealthy'}`;
}

function notHot(path: string): RequestError {
  return new RequestError('ERR_HOT_NOT_HOT', `${path} is not a loaded hot module of this process: it is not imported yet, or excluded by config`);
}

/** A report as a reply: paths stay absolute (the CLI shows them relative to the member's root). */
function reply(report: ReloadReport) {
  const { ok, result, error } = answer(null, report);
  return { ok, result, ...(error ? { error } : {}) };
}

/** Replaces a file whole (loader/maps.ts), keeping the permissions of the one it replaces. */
function writeWhole(path: string, text: string): void {
  replaceWhole(path, text, existsSync(path) ? statSync(path).mode & 0o7777 : undefined);
}
