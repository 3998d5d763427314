/**
 * What `hot check` counts after each round to find what grows per reload (runtime/check.ts):
 *
 * - handles (timers and intervals, listening servers, sockets, child processes, file
 *   watchers), seen by an async hook as they are created and as they are destroyed;
 * - listeners added to any emitter (EventEmitter's listener methods are wrapped);
 * - collections held by kept data: the sizes of the arrays, Maps, Sets and objects reachable
 *   from data bindings a reload kept and from `import.meta.hot.data`.
 *
 * Each handle and listener is counted under the place that created it: the first frame of
 * its creation stack inside a hot module (source-mapped, so the user's file:line), else the
 * first frame outside Node and this package, else the place of the handle that triggered it.
 * A collection has no creation stack: a diagnostic round (runtime/check.ts) finds the
 * statement that grows it.
 *
 * All of it is installed for the check only, and taken off after it.
 */
const { createHook } = process.getBuiltinModule('node:async_hooks');
const { EventEmitter } = process.getBuiltinModule('node:events');
const { fileURLToPath } = process.getBuiltinModule('node:url');
const { types } = process.getBuiltinModule('node:util');

/** Where something was created: a file and line, or null when no frame could name one. */
export interface Site {
  file: string | null;
  line: number | null;
  column: number | null;
  /**
   * Set while `line` and `column` are the position in the code Node ran (a hot module's
   * transformed version, `file:///…/a.js?hot=3`): {@link originalSite} maps it to the source.
   * Creation stacks are read raw, because mapping every frame of every stack through the
   * source maps of 1000 fresh module versions per round cost seconds.
   */
  url?: string;
}

/** What a handle of an async-hook type is called in findings. */
const HANDLE_KINDS: Record<string, string> = {
  Timeout: 'timer',
  TCPSERVERWRAP: 'listening server',
  PIPESERVERWRAP: 'listening server',
  TCPWRAP: 'socket',
  PIPEWRAP: 'socket',
  UDPWRAP: 'UDP socket',
  PROCESSWRAP: 'child process',
  FSEVENTWRAP: 'file watcher',
  STATWATCHER: 'file watcher',
  SIGNALWRAP: 'signal handler',
};

/** A live handle (a one-shot timer that fired, a closed server or socket is destroyed and forgotten). */
interface HandleRecord {
  kind: string;
  site: Site;
}

/** Async resources whose creation site is kept for the handles made in their callbacks. */
const ORIGIN_TYPES = new Set(['TickObject', 'Immediate']);

interface ListenerRecord {
  emitter: WeakRef<object>;
  event: string | symbol;
  listener: WeakRef<Function>;
  site: Site;
}

const LISTENER_METHODS = ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener'] as const;

/** A count per place: `kind` (`timer`, `listener 'SIGUSR2' on process`, …) at `site`. */
export interface Gauge {
  key: string;
  kind: string;
  site: Site;
  count: number;
}

/** The files of hot modules and this package's own directories, to read creation stacks with. */
export interface StackContext {
  /** Is this absolute path a hot module? */
  isHot(file: string): boolean;
  /** This package's dist/ directory: its frames (the check, the endpoint) are never a site. */
  packageDirectory: string;
  /**
   * Directories of this package's own dependencies (ws, chokidar): a handle whose stack has no
   * project frame and whose first other frame is in one of them is the endpoint's or the
   * watcher's, not the app's.
   */
  ownDirectories?: string[];
}

/** Counts handles and listeners by creation site while installed. */
export class SiteTracker {
  readonly #context: StackContext;
  readonly #handles = new Map<number, HandleRecord>();
  /** Sites of other async resources (ticks, immediates, requests) until they are destroyed: where callbacks they run come from. */
  readonly #origins = new Map<number, Site>();
  readonly #listeners: ListenerRecord[] = [];
  readonly #hook;
  readonly #originals = new Map<string, Function>();
  #installed = false;
  /** Our own calls (the check's timers, the endpoint's sends) are not the app's. */
  #paused = 0;

  constructor(context: StackContext) {
    this.#context = context;
    const handles = this.#handles;
    const origins = this.#origins;
    this.#hook = createHook({
      init: (asyncId: number, type: string, triggerId: number) => {
        if (this.#paused) return;
        const kind = HANDLE_KINDS[type];
        // Besides handles, only what carries a callback on to Node's internals (a listen binds
        // on the next tick) is worth a stack: file reads, promises and the like are many and never a site.
        if (!kind && !ORIGIN_TYPES.has(type)) return;
        let site = this.#site();
        if (site === OWN) return;
        // Made in a callback with no project frame on its stack (a server Node binds on the next
        // tick, a timer in a 'listening' handler): the place of what triggered it.
        if (site.file === null) site = origins.get(triggerId) ?? handles.get(triggerId)?.site ?? site;
        if (kind) handles.set(asyncId, { kind, site });
        else if (site.file !== null) origins.set(asyncId, site);
      },
      destroy: (asyncId: number) => {
        handles.delete(asyncId);
        origins.delete(asyncId);
      },
    });
  }

  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    const proto = EventEmitter.prototype as unknown as Record<string, Function>;
    for (const name of LISTENER_METHODS) {
      const inner = proto[name];
      this.#originals.set(name, inner);
      const tracker = this;
      proto[name] = function hotCheckTracked(this: object, event: string | symbol, listener: Function) {
        if (!tracker.#paused && typeof listener === 'function') {
          const site = tracker.#site();
          if (site !== OWN) tracker.#listeners.push({ emitter: new WeakRef(this), event, listener: new WeakRef(listener), site });
        }
        return inner.apply(this, arguments);
      };
    }
    this.#hook.enable();
  }

  uninstall(): void {
    if (!this.#installed) return;
    this.#installed = false;
    this.#hook.disable();
    const proto = EventEmitter.prototype as unknown as Record<string, Function>;
    for (const [name, inner] of this.#originals) proto[name] = inner;
    this.#originals.clear();
    this.#handles.clear();
    this.#origins.clear();
    this.#listeners.length = 0;
  }

  /** Runs `run` (synchronous) without recording what it creates: the check's own timers. */
  quietly<T>(run: () => T): T {
    this.#paused++;
    try {
      return run();
    } finally {
      this.#paused--;
    }
  }

  /** Live handles and listeners, counted per kind and site. Forgets listeners that are gone. */
  gauges(): Map<string, Gauge> {
    const gauges = new Map<string, Gauge>();
    const add = (kind: string, site: Site) => {
      // Raw positions: the same statement of every version of a file (the same source, so the same transformed code) is one place.
      const key = `${kind}|${site.file}:${site.line}:${site.column}`;
      const gauge = gauges.get(key);
      if (gauge) gauge.count++;
      else gauges.set(key, { key, kind, site, count: 1 });
    };
    for (const record of this.#handles.values()) add(record.kind, record.site);
    // One registration per listener still registered: a stand-in (an inline handler) is the same
    // function in every version, so a released and re-added one must count once. Newest first:
    // the latest registration is the one that stands.
    const registered = new Map<object, Map<string | symbol, Function[]>>();
    const live: ListenerRecord[] = [];
    for (let i = this.#listeners.length - 1; i >= 0; i--) {
      const record = this.#listeners[i];
      const emitter = record.emitter.deref() as InstanceType<typeof EventEmitter> | undefined;
      const listener = record.listener.deref();
      if (!emitter || !listener) continue;
      let events = registered.get(emitter);
      if (!events) registered.set(emitter, (events = new Map()));
      let remaining = events.get(record.event);
      if (!remaining) events.set(record.event, (remaining = rawListeners(emitter, record.event)));
      const at = remaining.findIndex((fn) => fn === listener || (fn as { listener?: Function }).listener === listener);
      if (at === -1) continue;
      remaining.splice(at, 1);
      live.push(record);
      add(`listener '${String(record.event)}' on ${emitterName(emitter)}`, record.site);
    }
    this.#listeners.length = 0;
    this.#listeners.push(...live.reverse());
    return gauges;
  }

  /** The creation site of what is being made now. */
  #site(): Site {
    return siteOfFrames(callSites(), this.#context);
  }
}

/** The call sites of the current stack, unformatted (no source map is read). */
function callSites(): NodeJS.CallSite[] {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, sites) => sites;
  Error.stackTraceLimit = 60;
  try {
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder);
    return holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/** This bundle's URL: the frames on top of a captured stack that are in it are the tracker's own (its hook, its wrapper). */
const BUNDLE = import.meta.url;

/** {@link siteOf}, from call sites: the first project frame, raw (see {@link Site.url}). */
function siteOfFrames(frames: NodeJS.CallSite[], context: StackContext): Site {
  // The frames on top that are in this bundle are the tracker's own (its hook, its wrapper).
  let top = 0;
  while (top < frames.length && frames[top].getFileName() === BUNDLE) top++;
  return firstSite(frames.slice(top).map((frame) => ({ name: frame.getFileName() ?? '', line: frame.getLineNumber(), column: frame.getColumnNumber() })), context, true);
}

/** A raw site mapped to the source through the module's source map (unchanged when it has none). */
export function originalSite(site: Site): Site {
  if (!site.url || site.line === null || site.column === null) return site;
  const { findSourceMap } = process.getBuiltinModule('node:module');
  let entry: { originalLine?: number; originalColumn?: number } | undefined;
  try {
    entry = findSourceMap(site.url)?.findEntry(site.line - 1, site.column - 1) as typeof entry;
  } catch {
    entry = undefined;
  }
  if (entry?.originalLine === undefined || entry.originalColumn === undefined) return { file: site.file, line: site.line, column: site.column };
  return { file: site.file, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** The listeners registered for `event` on `emitter` (a `once` wrapper has the listener as `.listener`). */
function rawListeners(emitter: InstanceType<typeof EventEmitter>, event: string | symbol): Function[] {
  return typeof emitter.rawListeners === 'function' ? [...emitter.rawListeners(event)] : [];
}

function emitterName(emitter: object): string {
  if (emitter === process) return 'process';
  const name = (emitter as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : 'an emitter';
}

/** `at f (file:///a/b.js?hot=2:3:5)`, `at /a/b.js:3:5`; not `node:internal/…`. */
const FRAME = /(?:^\s*at |\()((?:file:\/\/)?\/[^\s()]*?):(\d+):(\d+)\)?\s*$/;

/** The site of what this package made for itself (its endpoint, its watcher): not counted. */
export const OWN: Site = Object.freeze({ file: null, line: null, column: null });

/**
 * The first frame of `stack` in a hot module; else the first outside Node and this package
 * (a dependency in node_modules); else nothing. {@link OWN} when there is no project frame and
 * the stack is this package's alone, or its first other frame is in one of its own dependencies.
 */
export function siteOf(stack: string, context: StackContext): Site {
  const frames: Frame[] = [];
  for (const line of stack.split('\n').slice(1)) {
    const match = FRAME.exec(line);
    if (match) frames.push({ name: match[1], line: Number(match[2]), column: Number(match[3]) });
  }
  return firstSite(frames, context, false);
}

/** A frame of a stack: its script (a path or a `file:` URL) and position. */
interface Frame {
  name: string;
  line: number | null;
  column: number | null;
}

/** The rule of {@link siteOf} over frames; `raw`: their positions are in the code Node ran (the site keeps its URL to map them). */
function firstSite(frames: Frame[], context: StackContext, raw: boolean): Site {
  let fallback: Site | null = null;
  let ours = false;
  for (const { name, line, column } of frames) {
    let file = name;
    if (name.startsWith('file://')) {
      try {
        file = fileURLToPath(name.split('?')[0]);
      } catch {
        continue;
      }
    }
    if (!file.startsWith('/')) continue;
    if (file.startsWith(context.packageDirectory)) {
      ours = true;
      continue;
    }
    const site: Site = raw ? { file, line, column, url: name } : { file, line, column };
    if (context.isHot(file)) return site;
    fallback ??= site;
  }
  if (fallback === null) return ours ? OWN : { file: null, line: null, column: null };
  const inOwnDependency = context.ownDirectories?.some((directory) => (fallback as Site).file?.startsWith(directory));
  return inOwnDependency ? OWN : fallback;
}

/** One collection reachable from kept data, and its size at each measurement. */
export interface Collection {
  /** `app.router.stack` in module `file`'s binding `app`. */
  path: string;
  /** The module whose binding (or `import.meta.hot.data`) holds it. */
  module: string;
  ref: WeakRef<object>;
  sizes: (number | undefined)[];
}

/** A root to walk from: a kept data binding, or a module's `import.meta.hot.data`. */
export interface Root {
  module: string;
  name: string;
  value: unknown;
}

/** How far the walk goes from each root, and how much it reads in all. */
const MAX_DEPTH = 5;
const MAX_ENTRIES = 64;
const MAX_OBJECTS = 50_000;
/** Keys whose contents are counted elsewhere (listeners) or are not the app's. */
const SKIPPED_KEYS = new Set(['_events', '_eventsCount', '_maxListeners', 'prototype', 'constructor']);

/** The size of a collection: entries of a Map or Set, elements of an array, own keys of an object. */
export function sizeOf(value: object): number {
  if (value instanceof Map || value instanceof Set) return value.size;
  if (Array.isArray(value)) return value.length;
  return Object.keys(value).length;
}

/**
 * The collections reachable from kept data, by identity. Objects seen before keep their
 * first path; each measurement appends one size to every known collection (undefined when
 * it is gone or no longer reached).
 */
export class KeptData {
  readonly #known = new WeakMap<object, Collection>();
  readonly collections: Collection[] = [];
  /** Objects never walked into: the runtime's own records, which an app may reach (its hub). */
  readonly #opaque: (value: object) => boolean;
  #measurements = 0;

  constructor(opaque: (value: object) => boolean) {
    this.#opaque = opaque;
  }

  /** Walks every root (breadth first, bounded) and records the size of each collection met. */
  measure(roots: Root[]): void {
    const index = this.#measurements++;
    const seen = new Set<object>();
    const queue: { value: object; path: string; module: string; depth: number }[] = [];
    for (const root of roots) {
      if (isWalkable(root.value)) queue.push({ value: root.value, path: root.name, module: root.module, depth: 0 });
    }
    for (let head = 0; head < queue.length && seen.size < MAX_OBJECTS; head++) {
      const { value, path, module, depth } = queue[head];
      if (seen.has(value) || this.#opaque(value)) continue;
      seen.add(value);
      let collection = this.#known.get(value);
      if (!collection) {
        collection = { path, module, ref: new WeakRef(value), sizes: [] };
        this.#known.set(value, collection);
        this.collections.push(collection);
      }
      collection.sizes[index] = sizeOf(value);
      if (depth >= MAX_DEPTH) continue;
      for (const [key, child] of children(value)) {
        if (isWalkable(child) && !seen.has(child)) queue.push({ value: child, path: `${path}${key}`, module, depth: depth + 1 });
      }
    }
  }
}

function isWalkable(value: unknown): value is object {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  if (types.isProxy(value) || ArrayBuffer.isView(value) || types.isArrayBuffer(value) || types.isPromise(value)) return false;
  if (typeof value === 'function' && Object.keys(value).length === 0) return false;
  return true;
}

/** A bounded sample of what an object holds, with the path step to each. */
function children(value: object): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (value instanceof Map) {
    let i = 0;
    for (const [key, entry] of value) {
      if (i++ >= MAX_ENTRIES) break;
      out.push([`.get(${typeof key === 'string' ? JSON.stringify(key) : '…'})`, entry]);
      if (typeof key === 'object' && key !== null) out.push(['.keys()[]', key]);
    }
    return out;
  }
  if (value instanceof Set) {
    let i = 0;
    for (const entry of value) {
      if (i++ >= MAX_ENTRIES) break;
      out.push(['[…]', entry]);
    }
    return out;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < Math.min(value.length, MAX_ENTRIES); i++) out.push(['[]', value[i]]);
    return out;
  }
  let i = 0;
  for (const key of Object.keys(value)) {
    if (SKIPPED_KEYS.has(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (!descriptor) continue;
    // Methods copied onto an object (express mixes ~50 into its app) hold nothing: not counted.
    if (typeof descriptor.value === 'function' && !isWalkable(descriptor.value)) continue;
    if (i++ >= MAX_ENTRIES) break;
    let child: unknown = descriptor.value;
    if (descriptor.get) {
      // An own enumerable getter is most often lazily made data (express 5's `app.router`);
      // getters of classes live on prototypes and are never read. One that throws is skipped.
      try {
        child = descriptor.get.call(value);
      } catch {
        continue;
      }
    }
    out.push([/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`, child]);
  }
  return out;
}
