/**
 * What a top-level statement or data initializer set up while it ran: timers, intervals,
 * listening servers and listeners it added to emitters that existed before it. When the
 * statement runs again, is edited or removed (or the initializer is replaced), what its
 * previous run set up is released at commit; when a batch fails, what the new code set up
 * is released at once, so a failed batch changes nothing.
 *
 * Attribution comes from the runtime, not from the user: a "window" is open while a
 * statement or initializer evaluates. During a window, and only then,
 * - an async hook sees the Timeout and Immediate objects created;
 * - EventEmitter's listener methods, `EventEmitter.init` and `net.Server#listen` are
 *   wrapped, so a registration, a new emitter and a listen are recorded.
 * Nothing is patched and no hook runs outside windows: a running server pays nothing.
 * What code creates later (a callback that runs after the statement finished) belongs to
 * no statement; hand such a resource on through `import.meta.hot.data` or a dispose handler.
 */
const { createHook } = process.getBuiltinModule('node:async_hooks');
const { EventEmitter } = process.getBuiltinModule('node:events');
// node:net costs ~4 ms to load: it is not loaded for the runtime's sake. A server exists only
// once something loaded net (node:http, a framework), so windows wrap `listen` only then.
type Net = typeof import('node:net');
const netLoaded = (): boolean => (process as unknown as { moduleLoadList?: string[] }).moduleLoadList?.includes('NativeModule net') ?? true;
const net = (): Net => process.getBuiltinModule('node:net');

type Emitter = InstanceType<typeof EventEmitter>;
export type Server = import('node:net').Server;

export type Resource =
  | { kind: 'timer'; handle: NodeJS.Timeout; immediate: false }
  | { kind: 'timer'; handle: NodeJS.Immediate; immediate: true }
  | { kind: 'listener'; emitter: Emitter; event: string | symbol; listener: (...args: unknown[]) => void }
  | { kind: 'server'; server: Server; port: number | string | null; handedOver?: { restore: () => Promise<Error | null> } }
  | { kind: 'release'; release: () => void };

/** The resources of one owner's run (a statement or an initializer). */
export type Resources = Resource[];

/** Asked at each `listen()` inside a window: an older server on the same port that may give it up. */
export type PortHolder = (port: number | string, window: Window) => Server | null;

export interface Window {
  /** Statement key (`fingerprint#occurrence`) or `=name` for a data initializer. */
  readonly owner: string;
  readonly into: Resources;
  /** Set while a reload batch evaluates: listens then may take a port over. */
  readonly holder: PortHolder | null;
  /** Servers whose listen() ran in a batch's window, with where: the batch waits for them before it commits. */
  readonly listens: Listen[];
  /** 1-based line of the statement or declaration, for messages. */
  readonly line: number;
}

/** A listen() a reload batch waits for: listening, or the error it got. */
export interface Listen {
  server: Server;
  port: number | string | null;
  line: number;
  outcome: Promise<Error | null>;
}

const LISTENER_METHODS = ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener'] as const;
const proto = EventEmitter.prototype as unknown as Record<string, Function>;
const originals = {
  methods: LISTENER_METHODS.map((name) => proto[name]),
};

const windows: Window[] = [];
/** Per open window, the emitters constructed inside it: their own listeners are part of them, not registrations. */
const born: (WeakSet<object> | null)[] = [];
/** Inside a wrapped call: `once` calls `on`, a constructor registers its own listeners. */
let depth = 0;

const hook = createHook({
  init(_id: number, type: string, _trigger: number, resource: object) {
    const window = windows[windows.length - 1];
    if (!window) return;
    if (type === 'Timeout') window.into.push({ kind: 'timer', handle: resource as NodeJS.Timeout, immediate: false });
    else if (type === 'Immediate') window.into.push({ kind: 'timer', handle: resource as NodeJS.Immediate, immediate: true });
  },
});

function wrapListenerMethod(inner: Function): Function {
  return function (this: Emitter, event: string | symbol, listener: (...args: unknown[]) => void) {
    const window = windows[windows.length - 1];
    if (window && depth === 0 && !born[born.length - 1]?.has(this) && typeof listener === 'function') {
      window.into.push({ kind: 'listener', emitter: this, event, listener });
    }
    depth++;
    try {
      return inner.apply(this, arguments);
    } finally {
      depth--;
    }
  };
}

function wrapInit(inner: Function): Function {
  return function (this: object) {
    const top = born.length - 1;
    if (top >= 0) (born[top] ??= new WeakSet()).add(this);
    return inner.apply(this, arguments);
  };
}

function wrapListen(inner: Function): Function {
  return function (this: Server, ...args: unknown[]) {
    const window = windows[windows.length - 1];
    if (window && depth === 0) {
      const port = requestedPort(args);
      const resource: Resource = { kind: 'server', server: this, port };
      if (port !== null && window.holder) {
        const old = window.holder(port, window);
        if (old && old !== this) resource.handedOver = handOver(old);
      }
      window.into.push(resource);
      if (window.holder) window.listens.push({ server: this, port, line: window.line, outcome: outcomeOf(this) });
    }
    depth++;
    try {
      return inner.apply(this, args);
    } finally {
      depth--;
    }
  };
}

/**
 * What is wrapped while windows are open. Each wraps whatever is there when windows open
 * (an APM may have wrapped it first), and is taken off only if it is still what is there
 * (code that wrapped ours meanwhile keeps its wrapper; ours then records nothing outside a
 * window).
 */
const patches: { target: Record<string, Function>; key: string; make: (inner: Function) => Function; inner?: Function; wrapper?: Function }[] = [
  ...LISTENER_METHODS.map((key) => ({ target: proto, key, make: wrapListenerMethod })),
  { target: EventEmitter as unknown as Record<string, Function>, key: 'init', make: wrapInit },
];
/** `net.Server#listen`, wrapped from the first window after net is loaded. */
let listenPatch: (typeof patches)[number] | null = null;

/** Listens of windows that have not settled yet. */
const settling = new WeakMap<Server, Promise<Error | null>>();

/**
 * Whether a listen started by a reload succeeds. Until it settles, an `error` (EADDRINUSE)
 * comes here instead of crashing the process when the server has no error listener.
 */
function outcomeOf(server: Server): Promise<Error | null> {
  const once = originals.methods[LISTENER_METHODS.indexOf('once')];
  const outcome = new Promise<Error | null>((resolve) => {
    const onError = (error: Error) => {
      server.removeListener('listening', onListening);
      resolve(error);
    };
    const onListening = () => {
      server.removeListener('error', onError);
      resolve(null);
    };
    once.call(server, 'error', onError);
    once.call(server, 'listening', onListening);
  });
  settling.set(server, outcome);
  return outcome;
}

let installed = false;
/** The uninstall scheduled when the last window closed: a module's next statement usually opens one at once. */
let pendingUninstall: NodeJS.Immediate | null = null;

function install(on: boolean): void {
  if (pendingUninstall) {
    clearImmediate(pendingUninstall);
    pendingUninstall = null;
  }
  if (on === installed) return;
  installed = on;
  if (on && !listenPatch && netLoaded()) {
    listenPatch = { target: net().Server.prototype as unknown as Record<string, Function>, key: 'listen', make: wrapListen };
    patches.push(listenPatch);
  }
  for (const patch of patches) {
    if (on) {
      patch.inner = patch.target[patch.key];
      patch.wrapper = patch.make(patch.inner);
      patch.target[patch.key] = patch.wrapper;
    } else {
      if (patch.target[patch.key] === patch.wrapper) patch.target[patch.key] = patch.inner as Function;
      patch.wrapper = patch.inner = undefined;
    }
  }
  if (on) hook.enable();
  else hook.disable();
}

/** Opens a window: what runs until {@link closeWindow} is recorded into `window.into`. */
export function openWindow(window: Window): void {
  if (windows.length === 0) install(true);
  windows.push(window);
  born.push(null);
}

/**
 * Closes the innermost window (and any a throw left open above it). The wrappers stay until
 * the event loop turns (they record nothing outside a window): a module evaluates statement
 * after statement, and installing them costs more than a wrapped call.
 */
export function closeWindow(window: Window): void {
  const at = windows.lastIndexOf(window);
  if (at === -1) return;
  windows.length = at;
  born.length = at;
  if (windows.length === 0 && !pendingUninstall) {
    pendingUninstall = setImmediate(() => {
      pendingUninstall = null;
      if (windows.length === 0) install(false);
    });
  }
}

/** Closes every window (a statement threw, a batch ended). */
export function closeAllWindows(): void {
  if (windows.length === 0) return;
  windows.length = 0;
  born.length = 0;
  install(false);
}

/**
 * Runs `run` as if no window were open: what it sets up belongs to no statement. For code of
 * ours that runs while a top-level statement awaits (its window stays open meanwhile): the
 * control endpoint's server, sockets and listeners must not be released with that statement.
 */
export function unattributed<T>(run: () => T): T {
  if (windows.length === 0) return run();
  const openWindows = windows.splice(0);
  const openBorn = born.splice(0);
  try {
    return run();
  } finally {
    windows.push(...openWindows);
    born.push(...openBorn);
  }
}

/**
 * Takes every open window off until the returned function puts them back: for `hot check`
 * called by a top-level statement that awaits it (its window would record everything the
 * check's batches and the app do meanwhile).
 */
export function suspendWindows(): () => void {
  const openWindows = windows.splice(0);
  const openBorn = born.splice(0);
  if (openWindows.length) install(false);
  return () => {
    if (openWindows.length === 0) return;
    if (windows.length === 0) install(true);
    windows.unshift(...openWindows);
    born.unshift(...openBorn);
  };
}

/** Runtime registrations (`onReload`) made while a window is open: released with the rest of its run. */
export function recordRelease(release: () => void): void {
  windows[windows.length - 1]?.into.push({ kind: 'release', release });
}

/** `listen(port, …)`, `listen({ port })`, `listen(path)`: the port or pipe asked for, or null (0: any port). */
export function requestedPort(args: unknown[]): number | string | null {
  const first = args[0] as { port?: unknown; path?: unknown } | number | string | undefined;
  let value: unknown = first;
  if (first !== null && typeof first === 'object') value = first.port ?? first.path;
  if (typeof value === 'string' && /^\d+$/.test(value)) value = Number(value);
  if (typeof value === 'number') return value > 0 ? value : null;
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** The port or pipe a listening server holds. */
export function heldPort(server: Server): number | string | null {
  const address = server.address();
  if (address === null) return null;
  return typeof address === 'string' ? address : address.port;
}

/**
 * Closes a server's listening socket; its open connections stay and are served (net's close,
 * not http's, which also drops idle keep-alive connections). An http server's interval that
 * checks its connections' timeouts (Node starts one per listen and clears it only in http's
 * close) is cleared once the last connection has ended: left running, it would keep the
 * server, and the app it serves, alive for good, one more per reload (found by `hot check`).
 */
function stopListening(server: Server): void {
  net().Server.prototype.close.call(server);
  const interval = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === 'http.server.connectionsCheckingInterval');
  if (!interval) return;
  const once = originals.methods[LISTENER_METHODS.indexOf('once')];
  once.call(server, 'close', () => {
    // Listening again (a failed batch gave the port back) started a new interval: leave it.
    if (!server.listening) clearInterval((server as unknown as Record<symbol, NodeJS.Timeout>)[interval]);
  });
}

/**
 * Takes the listening socket from `old` so a new server can bind its port. Only the listening
 * socket closes: connections `old` accepted stay open and keep being served (net's close,
 * not http's, which also drops idle keep-alive connections). `restore` listens again.
 */
function handOver(old: Server): { restore: () => Promise<Error | null> } {
  const address = old.address();
  stopListening(old);
  return {
    restore: () => {
      if (old.listening || address === null) return Promise.resolve(null);
      const outcome = outcomeOf(old);
      if (typeof address === 'string') net().Server.prototype.listen.call(old, address);
      else net().Server.prototype.listen.call(old, { port: address.port, host: address.address });
      return outcome;
    },
  };
}

/**
 * Releases what one run set up: clears its timers, removes its listeners, stops its servers
 * listening (their connections stay). Returns the errors of releases that threw.
 */
export function release(resources: Resources): unknown[] {
  const errors: unknown[] = [];
  for (let i = resources.length - 1; i >= 0; i--) {
    const resource = resources[i];
    try {
      switch (resource.kind) {
        case 'timer':
          if (resource.immediate) clearImmediate(resource.handle);
          else clearTimeout(resource.handle);
          break;
        case 'listener':
          resource.emitter.removeListener(resource.event, resource.listener);
          break;
        case 'server':
          if (!resource.handedOver && resource.server.listening) stopListening(resource.server);
          break;
        case 'release':
          resource.release();
          break;
      }
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}

/**
 * After a failed batch: its servers, once their listen settled, are closed; then the servers
 * that handed a port over listen again. Returns the errors of restores that failed.
 */
export async function unwindServers(resources: Resources, waitMs: number): Promise<Error[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, waitMs, 'timeout')));
  try {
    for (const resource of resources) {
      if (resource.kind !== 'server') continue;
      // A listen still looking up its host when release() ran: wait for it, then close what it opened.
      const pending = settling.get(resource.server);
      if (pending) await Promise.race([pending, deadline]);
      if (resource.server.listening) stopListening(resource.server);
    }
    const errors: Error[] = [];
    for (const resource of resources) {
      if (resource.kind !== 'server' || !resource.handedOver) continue;
      const outcome = await Promise.race([resource.handedOver.restore(), deadline]);
      if (outcome instanceof Error) errors.push(outcome);
    }
    return errors;
  } finally {
    clearTimeout(timer);
  }
}

/** Counts for a report line, before {@link release}: what it will release (a server that handed its port over is no more listening). */
export function describe(resources: Resources): string[] {
  const counts = { timer: 0, listener: 0, server: 0 };
  for (const resource of resources) {
    if (resource.kind === 'release') {
      counts.listener++;
      continue;
    }
    if (resource.kind === 'server' && !resource.server.listening) continue;
    if (resource.kind === 'timer' && (resource.handle as { _destroyed?: boolean })._destroyed) continue;
    counts[resource.kind]++;
  }
  const parts: string[] = [];
  if (counts.timer) parts.push(`${counts.timer} timer${counts.timer > 1 ? 's' : ''}`);
  if (counts.listener) parts.push(`${counts.listener} listener${counts.listener > 1 ? 's' : ''}`);
  if (counts.server) parts.push(`${counts.server} server${counts.server > 1 ? 's' : ''}`);
  return parts;
}
