/**
 * The process-wide runtime: every hot module enters through it. One instance per
 * process, kept on `globalThis` so that two copies of this package (a symlinked
 * checkout, two versions in node_modules) still share one registry.
 */
import type { ModuleMeta } from '../transform/types.js';
import { RUNTIME_KEY, VERSION_PARAM } from '../transform/names.js';
import { HotError } from '../transform/errors.js';
import { ModuleHandle } from './handle.js';
import { HotContext } from './hot-context.js';
import { HotModule, ModuleVersion, type BindingSetter } from './module.js';
import type { ReloadReport } from './report.js';
import { NO_UNDO, UndoLog } from './undo.js';
import { unattributed } from './resources.js';
import type { BatchRunner } from './batch.js';
// Builtins through process.getBuiltinModule, not `import`: an ES import of node:fs or
// node:crypto evaluates their lazy getters (streams, webcrypto), ~10 ms each at start.
const { fileURLToPath } = process.getBuiltinModule('node:url');

/**
 * Process-wide settings; the loader fills them from the entry's project config.
 * (The data default is per project: the transform embeds it in each module's metadata.)
 */
export interface RuntimeConfig {
  /** No stderr line per reload. */
  quiet: boolean;
}

/** What a batch in progress expects to evaluate. */
export interface ActiveBatch {
  readonly undo: UndoLog;
  /** `file?hot=N` URLs the batch imports, to their module. */
  readonly expected: Map<string, HotModule>;
  /** Versions evaluated by this batch, in order. */
  readonly entered: Map<HotModule, ModuleVersion>;
  /** Modules loaded for the first time while this batch ran (new imports of new versions). */
  readonly created: Set<HotModule>;
  /**
   * `hot check`'s worst case of a real edit: every module reloads as if each of its lines had
   * been edited. Every top-level statement runs again (but `@hot once`), every function, class
   * and inline function takes the new code, and every data initializer counts as edited, so
   * data follows its rules for an edited initializer: `@hot keep-data` keeps, the rest is
   * replaced.
   */
  readonly edited: boolean;
}

export class Hub {
  readonly modules = new Map<string, HotModule>();
  readonly config: RuntimeConfig = { quiet: false };
  /** The batch being applied, if any. */
  active: ActiveBatch | null = null;
  readonly listeners = new Set<(report: ReloadReport) => void>();
  /** Called with each hot module's file as it first loads (the file watcher watches it from then on). */
  readonly moduleListeners = new Set<(file: string) => void>();
  /** The batch runner, made by the runtime's entry (runtime/index.ts). */
  runner?: BatchRunner;
  /**
   * The sources a running batch read, by the version URL it imports them as (`file:///a.js?hot=3`):
   * the in-thread load hook (Node >= 22.15) takes them instead of reading the files again.
   */
  readonly sources = new Map<string, string>();
  /** When (performance.now()) the last hot module loaded for the first time: `hot check` waits for loading to go quiet. */
  lastLoad = 0;
  /** When the app called `ready()` (performance.now()), or null. */
  readyAt: number | null = null;
  /** Waiting for `ready()`. */
  readonly readyListeners = new Set<() => void>();

  /** The app says it is ready (runtime `ready()`): `hot check --ready-call` starts now. */
  ready(): void {
    if (this.readyAt !== null) return;
    this.readyAt = performance.now();
    for (const listener of this.readyListeners) listener();
    this.readyListeners.clear();
  }

  /**
   * Runs `run` outside any top-level statement's attribution: what it sets up (servers,
   * listeners, timers) is never released with a statement. For the loader's own pieces
   * (the control endpoint), which may run while a statement awaits.
   */
  detached<T>(run: () => T): T {
    return unattributed(run);
  }

  configure(config: Partial<RuntimeConfig>): void {
    Object.assign(this.config, config);
  }

  /** Called first by every transformed module (the generated prologue). */
  enter(importMeta: ImportMeta & { hot?: HotContext }, metaText: string, setter: BindingSetter | null): ModuleHandle {
    // The transform hands its metadata over as JSON text (see transform.ts, where it emits it).
    const meta: ModuleMeta = JSON.parse(metaText);
    // Most modules are first loads at a plain URL: no URL parsing for them.
    let requested: string | null = null;
    let base = importMeta.url;
    if (base.includes('?') || base.includes('#')) {
      const url = new URL(base);
      requested = url.searchParams.get(VERSION_PARAM);
      url.searchParams.delete(VERSION_PARAM);
      base = url.href;
    }
    let module = this.modules.get(base);
    let version: ModuleVersion;
    let undo: UndoLog | typeof NO_UNDO = NO_UNDO;
    if (requested !== null && module) {
      const batch = this.active;
      if (!batch || batch.expected.get(importMeta.url) !== module) {
        throw new HotError('ERR_HOT_INVALID_ARGUMENT', `${importMeta.url} is a reload URL but no reload of it is in progress; import the module without ?${VERSION_PARAM}=`);
      }
      version = new ModuleVersion(Number(requested), meta, setter);
      batch.entered.set(module, version);
      undo = batch.undo;
    } else {
      if (module) throw new HotError('ERR_HOT_INVALID_ARGUMENT', `${base} was evaluated twice without a reload`);
      // A first load: the plain URL, or a fresh `?hot=N` after an earlier first load failed
      // (Node keeps a failed module record at its URL for good, so the hooks move on to a new one).
      const first = requested === null ? 1 : Number(requested);
      version = new ModuleVersion(first, meta, setter);
      module = new HotModule(base, base.startsWith('file:') ? fileURLToPath(base) : base, version);
      module.nextVersion = first + 1;
      this.modules.set(base, module);
      this.lastLoad = performance.now();
      this.active?.created.add(module);
      for (const listener of this.moduleListeners) {
        try {
          listener(module.file);
        } catch (error) {
          process.stderr.write(`[hot] a module listener threw: ${(error as Error)?.stack ?? error}\n`);
        }
      }
    }
    module.addVersion(version);
    importMeta.hot = new HotContext(module, version);
    // Inside a batch (a reload, or a module it imports for the first time) what statements set
    // up is the batch's until it commits.
    return new ModuleHandle(module, version, undo, this.active !== null, this.active?.edited === true && requested !== null);
  }
}

type HubGlobal = { [key: symbol]: Hub | undefined };

/** The one hub of this process. */
export function hub(): Hub {
  const key = Symbol.for(RUNTIME_KEY);
  const scope = globalThis as unknown as HubGlobal;
  return (scope[key] ??= new Hub());
}
