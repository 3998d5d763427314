/**
 * Reload batches: collect, order dependencies first, evaluate every new version,
 * then commit or undo everything.
 */
import { HotError } from '../transform/errors.js';
import { fingerprint } from '../transform/fingerprint.js';
import { LIVE_PARAM, VERSION_PARAM } from '../transform/names.js';
import type { ActiveBatch, Hub } from './hub.js';
import type { HotModule, ModuleVersion } from './module.js';
import { errorInfo, explain } from './failure.js';
import { realFile, type FileInput } from './paths.js';
import { formatReport, type ModuleReport, type ReloadErrorInfo, type ReloadOp, type ReloadReport } from './report.js';
import { batchWriting, evaluateIn, UndoLog } from './undo.js';
import { runHotfix } from './hotfix.js';
import { supersede } from './patches.js';
import { closeAllWindows, describe, release, unwindServers, type Listen, type Resources } from './resources.js';
// Builtins through process.getBuiltinModule, not `import`: an ES import of node:fs or
// node:crypto evaluates their lazy getters (streams, webcrypto), ~10 ms each at start.
const { pathToFileURL } = process.getBuiltinModule('node:url');

export type { FileInput } from './paths.js';

/** One module of a batch, with its new source read and its imports lexed. */
export interface Planned {
  module: HotModule;
  source: string;
  /** Static imports of the new source: resolved URL, statement start, statement text. */
  imports: { url: string | null; specifier: string; start: number; text: string }[];
}

/** A batch's report before the runner names the call that made it. */
type Outcome = Omit<ReloadReport, 'op'>;

/** A committed batch, kept so `rollback()` can undo it. */
interface CommittedBatch {
  id: number;
  undo: UndoLog;
  modules: HotModule[];
  /** A hotfix batch: the hotfix file's path. */
  hotfix?: string;
}

/** es-module-lexer, loaded at the first reload: a start that never reloads does not pay for it. */
let lexer: Promise<typeof import('es-module-lexer')> | null = null;

/**
 * The texts of files, in order (`null` for one that cannot be read). One file (a save, a watcher
 * event) is read at once: ~30 µs for 5 KB, against ~170 µs through node:fs/promises (four trips
 * through libuv's pool), which a one-file reload felt. Several are read asynchronously
 * (node:fs/promises is loaded at the first such batch: it costs ~2.5 ms at start), in parallel
 * in libuv's pool, and the game keeps ticking while a batch reads them (one after another,
 * 1000 files cost ~0.4 s).
 */
async function readTexts(files: string[]): Promise<(string | null)[]> {
  const fs = process.getBuiltinModule('node:fs');
  if (files.length === 1) {
    try {
      return [fs.readFileSync(files[0], 'utf8')];
    } catch {
      return [null];
    }
  }
  return Promise.all(files.map((file) => fs.promises.readFile(file, 'utf8').catch(() => null)));
}

/**
 * How many applied batches `rollback()` can undo, newest first. Each keeps the values it
 * replaced alive; a day of saves with the watcher on must not keep every one of them.
 */
const HISTORY_LIMIT = 50;

/** The owner of resources handed on through `import.meta.hot.data` or a kept binding (see `#releaseReplaced`). */
const HANDED_ON = '=\0handed-on';

/** Files whose format Node decides (TypeScript): their source is never handed to the load hook. */
const TS_FILE = /\.[cm]?tsx?$/;

/** How long a reload waits for the servers its new code started to listen. */
const LISTEN_WAIT_MS = 2000;

export class BatchRunner {
  readonly #hub: Hub;
  /** Resolves a URL through the module hooks (tells them a module's live version). */
  readonly #resolve: (specifier: string) => string;
  #queue: Promise<unknown> = Promise.resolve();
  #batches = 0;
  readonly #history: CommittedBatch[] = [];
  /** The last fresh version number handed out per URL whose first load failed. */
  readonly #retired = new Map<string, number>();

  constructor(hub: Hub, resolve: (specifier: string) => string) {
    this.#hub = hub;
    this.#resolve = resolve;
  }

  /** Runs batches one after another; a failure never rejects. */
  #enqueue(work: (id: number) => Promise<Outcome>, verb: ReloadOp): Promise<ReloadReport> {
    if (batchWriting()) {
      // Top-level code of a module this batch is evaluating (or a hotfix) asked for another batch:
      // queueing it would wait for the batch that waits for this module.
      const id = ++this.#batches;
      const report: ReloadReport = {
        op: verb, ok: false, batch: id, modules: [], ms: 0,
        error: errorInfo(new HotError('ERR_HOT_BUSY', `${verb}() was called by code that a running batch is evaluating (the top-level code of a module being reloaded, or a hotfix); it would wait for itself. Call it from outside (an event, a timer)`)),
      };
      this.#announce(report, verb);
      return Promise.resolve(report);
    }
    const run = async () => {
      const id = ++this.#batches;
      const started = performance.now();
      let report: ReloadReport;
      try {
        report = { op: verb, ...(await work(id)) };
      } catch (error) {
        report = { op: verb, ok: false, batch: id, modules: [], error: errorInfo(error), ms: 0 };
      }
      report.ms = performance.now() - started;
      this.#announce(report, verb);
      return report;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next;
    return next;
  }

  #announce(report: ReloadReport, verb: ReloadOp): void {
    if (!this.#hub.config.quiet && !process.env.HOT_QUIET) process.stderr.write(formatReport(report, verb) + '\n');
    for (const listener of this.#hub.listeners) {
      try {
        listener(report);
      } catch (error) {
        process.stderr.write(`[hot] an onReload listener threw: ${(error as Error)?.stack ?? error}\n`);
      }
    }
  }

  /** `reload(files)`: the named modules; with none, every loaded hot module whose file changed. */
  reload(files?: FileInput | FileInput[]): Promise<ReloadReport> {
    return this.#enqueue(async (id) => {
      if (files === undefined) {
        const sources = await changedSources(this.#hub.modules.values());
        return this.#run(id, [...sources.keys()], sources);
      }
      const list = Array.isArray(files) ? files : [files];
      if (list.length === 0) throw new HotError('ERR_HOT_INVALID_ARGUMENT', 'reload([]) names no file; call reload() to reload every changed module');
      return this.#run(id, list.map((file) => this.#lookup(file)), new Map());
    }, 'reload');
  }

  /**
   * Of these files, the loaded hot modules whose file now holds other content than their live
   * version (the file watcher's question), each with the text read. Files that are not hot
   * modules, are gone, or are empty (a save caught between its truncate and its write) are left out.
   */
  async changed(files: Iterable<string>): Promise<Map<string, string>> {
    const modules: HotModule[] = [];
    for (const file of files) {
      const module = this.#hub.modules.get(pathToFileURL(file).href);
      if (module) modules.push(module);
    }
    return new Map([...(await changedSources(modules))].map(([module, text]) => [module.file, text]));
  }

  /**
   * `reloadAll()`: every loaded hot module, changed or not (declined modules are skipped and
   * named in the report). For `hot check` (runtime/check.ts): `edited` reloads as if every
   * line of every module had been edited (see {@link ActiveBatch.edited}), and `skip` leaves
   * files out.
   */
  reloadAll(options: { edited?: boolean; skip?: ReadonlySet<string> } = {}): Promise<ReloadReport> {
    return this.#enqueue(async (id) => {
      const all = [...this.#hub.modules.values()].filter((module) => !options.skip?.has(module.file));
      const declined = all.filter((module) => module.live.declined);
      const report = await this.#run(id, all.filter((module) => !module.live.declined), new Map(), options.edited === true);
      if (report.ok) {
        for (const module of declined) {
          report.modules.push({ file: module.file, version: module.live.version, kept: [], replaced: [], added: [], removed: [], reran: [], swapped: [], warnings: ['not reloaded: the module called import.meta.hot.decline()'] });
        }
      }
      return report;
    }, 'reloadAll');
  }

  /** `hotfix(file)`: runs a hotfix file as one batch (runtime/hotfix.ts); a committed one can be rolled back. */
  hotfix(file: FileInput): Promise<ReloadReport> {
    return this.#enqueue(async (id) => {
      const { report, undo, modules } = await runHotfix(this.#hub, id, file);
      if (undo) this.#remember({ id, undo, modules, hotfix: report.hotfix });
      return report;
    }, 'hotfix');
  }

  /** `rollback()`: undoes the last committed batch. */
  rollback(): Promise<ReloadReport> {
    return this.#enqueue(async (id) => {
      const last = this.#history.pop();
      if (!last) throw new HotError('ERR_HOT_NOTHING_TO_ROLL_BACK', 'no applied reload to roll back');
      const { errors, warnings } = last.undo.revert('rollback');
      for (const module of last.modules) this.#tellLive(module);
      if (errors.length) throw errors[0];
      return {
        ok: true, batch: id, ms: 0,
        modules: last.modules.map((module) => ({
          file: module.file, version: module.live.version, kept: [], replaced: [], added: [], removed: [], reran: [], swapped: [],
          warnings: [`rolled back batch ${last.id}${last.hotfix ? ` (hotfix ${last.hotfix})` : ''}`, ...warnings.filter((w) => w.startsWith(`${module.file}: `)).map((w) => w.slice(module.file.length + 2))],
        })),
      };
    }, 'rollback');
  }

  #lookup(file: FileInput): HotModule {
    const path = realFile(file, 'reload() takes a path or a file URL, or an array of them');
    const module = this.#hub.modules.get(pathToFileURL(path).href);
    if (!module) {
      throw new HotError('ERR_HOT_NOT_HOT', `${path} is not a loaded hot module (${this.#hub.modules.size} loaded); it is not imported yet, excluded by config, or the process was not started with --import @hot/loader`);
    }
    return module;
  }


  #tellLive(module: HotModule): void {
    this.#tellVersion(module, module.live.version);
  }

  /** Tells the hooks which version of `module` its importers link to from now on. */
  #tellVersion(module: HotModule, version: number): void {
    const url = new URL(module.url);
    url.searchParams.set(LIVE_PARAM, String(version));
    this.#resolve(url.href);
  }

  /**
   * Forgets the applied batches: `rollback()` has nothing to undo until the next one, and the
   * values they replaced can be collected. For `hot check`, whose heap and identity checks
   * must not see what the undo log keeps.
   */
  forgetHistory(): void {
    for (const batch of this.#history.splice(0)) batch.undo.discard();
  }

  /** Keeps the last {@link HISTORY_LIMIT} applied batches for `rollback()`; older ones are forgotten. */
  #remember(batch: CommittedBatch): void {
    this.#history.push(batch);
    if (this.#history.length > HISTORY_LIMIT) this.#history.shift()?.undo.discard();
  }

  async #run(id: number, modules: HotModule[], sources: Map<HotModule, string>, edited = false): Promise<Outcome> {
    const unique = [...new Set(modules)];
    if (unique.length === 0) return { ok: true, batch: id, modules: [], ms: 0 };
    for (const module of unique) {
      if (module.live.declined) {
        throw new HotError('ERR_HOT_DECLINED', `${module.file} called import.meta.hot.decline(): it cannot be reloaded; restart the process to load its new code`);
      }
    }
    const planned = await plan(unique, sources);
    const batch: ActiveBatch = { undo: new UndoLog(), expected: new Map(), entered: new Map(), created: new Set(), edited };
    const hub = this.#hub;
    const previousLive = new Map(unique.map((module) => [module, module.live]));
    hub.active = batch;
    let current: Planned | null = null;
    try {
      // Patches of hotfixes in these modules go first, so the files' code runs (undone with the batch).
      const superseded = new Map<HotModule, { labels: string[]; warnings: string[] }>();
      for (const module of unique) {
        const outcome = supersede(module, batch.undo);
        if (outcome) superseded.set(module, outcome);
      }
      // Every new version is linked and evaluated as one module graph, through one generated
      // entry that imports them all: a link error fails the batch before any module
      // evaluates, and the evaluation runs in one turn of the event loop, so no tick sees some
      // modules new and others old (a top-level `await` in new code is the exception: it
      // yields by definition). The hooks learn every new version first, so the batch's
      // modules import each other's new versions whatever order Node resolves them in.
      const urls: string[] = [];
      for (const step of planned) {
        const { module } = step;
        const version = module.nextVersion++;
        const url = new URL(module.url);
        url.searchParams.set(VERSION_PARAM, String(version));
        batch.expected.set(url.href, module);
        urls.push(url.href);
        // JavaScript only: a TypeScript file's format is Node's to tell (module-typescript, or another loader's).
        if (!TS_FILE.test(module.file)) hub.sources.set(url.href, step.source);
        this.#tellVersion(module, version);
      }
      const entry = urls.map((url, i) => `import * as m${i} from ${JSON.stringify(url)}; export { m${i} };`).join('\n');
      // The evaluation runs in the batch's async context: what it writes is the batch's (and
      // undone with it), what other code writes meanwhile is the game's (runtime/undo.ts).
      const loaded = await evaluateIn(batch.undo, () => import(`data:text/javascript,${encodeURIComponent(entry)}`)) as Record<string, unknown>;
      planned.forEach((step, i) => {
        current = step;
        const entered = batch.entered.get(step.module);
        if (!entered) throw new HotError('ERR_HOT_EVALUATION', `${step.module.file} was not transformed by @hot/loader on reload (is it excluded by config now?)`);
        entered.namespace = loaded[`m${i}`];
      });
      current = null;
      closeAllWindows();
      await this.#settleListens(batch);
      batch.undo.closed = true;
      const reports = this.#commit(batch, previousLive);
      for (const report of reports) {
        const outcome = [...superseded].find(([module]) => module.file === report.file)?.[1];
        if (!outcome) continue;
        report.superseded = outcome.labels;
        report.warnings.push(...outcome.warnings);
      }
      for (const module of batch.created) for (const [owner, resources] of module.live.runs) module.resources.set(owner, resources);
      for (const module of batch.entered.keys()) {
        const previous = previousLive.get(module) as ModuleVersion;
        const report = reports.find((r) => r.file === module.file) as ModuleReport;
        this.#releaseReplaced(module, report);
        this.#finish(previous, module, module.live.namespace, report);
      }
      // What the versions recorded for this batch is the module's now (or done with): kept on
      // them, it would keep every replaced value, server and listener alive for good.
      for (const [, version] of evaluatedBy(batch)) {
        version.runs.clear();
        version.listens.length = 0;
        version.valuesBefore.clear();
      }
      this.#remember({ id, undo: batch.undo, modules: [...batch.entered.keys()] });
      return { ok: true, batch: id, modules: reports, ms: 0 };
    } catch (error) {
      closeAllWindows();
      batch.undo.closed = true;
      // The module evaluating when it failed: the last one that entered (none: linking failed).
      current ??= [...planned].reverse().find((step) => batch.entered.has(step.module)) ?? planned[0] ?? null;
      const info = explain(error, current, batch, planned);
      // What the failed code set up goes first (its servers free their ports), then the
      // servers that handed a port over listen again.
      const started: Resources = [...evaluatedBy(batch)].flatMap(([, version]) => [...version.runs.values()].flat());
      const releaseErrors: unknown[] = release(started);
      releaseErrors.push(...(await unwindServers(started, LISTEN_WAIT_MS)));
      const revertErrors = [...batch.undo.revert('failed').errors, ...releaseErrors];
      for (const [, version] of evaluatedBy(batch)) {
        version.runs.clear();
        version.listens.length = 0;
        version.valuesBefore.clear();
      }
      // Methods of a failed version that escaped (bound during its evaluation) forward to the live ones.
      for (const version of batch.entered.values()) version.token.s = true;
      for (const [module, live] of previousLive) {
        module.live = live;
        this.#tellLive(module);
      }
      this.#retireFailedFirstLoads(batch, info);
      if (revertErrors.length) info.message += ` (and ${revertErrors.length} change(s) could not be undone: ${String(revertErrors[0])})`;
      return { ok: false, batch: id, modules: [], error: info, ms: 0 };
    } finally {
      hub.active = null;
      hub.sources.clear();
    }
  }

  /**
   * A listen() the new code started must succeed before the batch commits: a port still held
   * (by a server this reload keeps, or another process) fails the batch instead of leaving an
   * `error` event to crash the process after a reload that reported ok.
   */
  async #settleListens(batch: ActiveBatch): Promise<void> {
    const listens: { module: HotModule; listen: Listen }[] = [];
    for (const [module, version] of evaluatedBy(batch)) for (const listen of version.listens) listens.push({ module, listen });
    if (listens.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, LISTEN_WAIT_MS, 'timeout')));
    try {
      for (const { module, listen } of listens) {
        const outcome = await Promise.race([listen.outcome, timeout]);
        if (outcome === 'timeout') return; // still binding (a slow lookup): the reload does not wait for it
        if (outcome) {
          const port = listen.port === null ? '' : ` ${listen.port}`;
          const held = (outcome as NodeJS.ErrnoException).code === 'EADDRINUSE'
            ? `: the port is held by a server that this reload keeps (made by code that did not change, or in another module) or by another process; change the statement that made the old server together with this one so the port is handed over, or pass the server on through import.meta.hot.data`
            : '';
          throw new HotError('ERR_HOT_LISTEN', `listen${port} failed: ${outcome.message}${held}`, { file: module.file, line: listen.line, column: 1 }, { cause: outcome });
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * After commit: what the previous run of each statement that ran again, was edited or was
   * removed set up (and each replaced initializer) is released; then the new runs are the module's.
   */
  #releaseReplaced(module: HotModule, report: ModuleReport): void {
    const version = module.live;
    let released: Resources = [];
    for (const [owner, resources] of module.resources) {
      const survives = owner.startsWith('=') ? version.kept.has(owner.slice(1)) : version.keptStatements.has(owner);
      if (survives) continue;
      released.push(...resources);
      module.resources.delete(owner);
    }
    for (const [owner, resources] of version.runs) module.resources.set(owner, resources);
    if (released.length === 0) return;
    // A server or timer the module still holds was handed on, not replaced:
    // `data.server ??= createServer().listen(port)` edited runs again and keeps the same server.
    const held = new Set<unknown>(Object.values(module.data));
    for (const cell of module.cells.values()) if (cell.initialised) held.add(cell.value);
    const handedOn = released.filter((resource) => (resource.kind === 'server' && held.has(resource.server)) || (resource.kind === 'timer' && held.has(resource.handle)));
    if (handedOn.length) {
      released = released.filter((resource) => !handedOn.includes(resource));
      // Still the module's, under an owner no version has: looked at again at each reload, and
      // released once nothing of the module holds them.
      module.resources.set(HANDED_ON, [...(module.resources.get(HANDED_ON) ?? []), ...handedOn]);
    }
    if (released.length === 0) return;
    const what = describe(released);
    for (const error of release(released)) report.warnings.push(`releasing what replaced code set up threw: ${(error as Error)?.message ?? error}`);
    if (what.length) report.released = what;
  }

  /**
   * Modules a failed batch loaded for the first time (a new import of a new version)
   * are forgotten, and so is a new module that failed to parse: Node keeps a failed
   * module record at its URL for good, so the hooks send the next import of the file
   * to a fresh `?hot=N` URL, and a fixed file loads on the next reload.
   */
  #retireFailedFirstLoads(batch: ActiveBatch, info: ReloadErrorInfo): void {
    const urls = new Set<string>();
    for (const module of batch.created) {
      this.#hub.modules.delete(module.url);
      urls.add(module.url);
    }
    if (info.code === 'ERR_HOT_PARSE' && info.file) {
      const failed = pathToFileURL(info.file).href;
      if (!this.#hub.modules.has(failed)) urls.add(failed);
    }
    for (const url of urls) {
      const fresh = (this.#retired.get(url) ?? 1) + 1;
      this.#retired.set(url, fresh);
      const target = new URL(url);
      target.searchParams.set(LIVE_PARAM, String(fresh));
      this.#resolve(target.href);
    }
  }

  /** Everything that can still fail runs here, before anything irreversible. */
  #commit(batch: ActiveBatch, previousLive: Map<HotModule, ModuleVersion>): ModuleReport[] {
    const reports: ModuleReport[] = [];
    for (const [module, version] of batch.entered) {
      const previous = previousLive.get(module) as ModuleVersion;
      // Bindings a compiler injected (tsx's `__name`) are cells like any other, but no news to the user.
      const injected = new Set([...previous.meta.bindings, ...version.meta.bindings].filter((b) => b.generated).map((b) => b.name));
      const shown = (names: Iterable<string>) => [...names].filter((name) => !injected.has(name));
      const removed = shown(previous.meta.bindings.map((b) => b.name).filter((name) => !version.indexOf.has(name)));
      for (const [name, migration] of version.migrations) {
        if (!version.kept.has(name)) continue;
        const cell = module.cells.get(name);
        if (!cell) continue;
        const before = cell.value;
        let after: unknown;
        try {
          after = migration(before, { from: previous.version, to: version.version });
        } catch (error) {
          throw new HotError('ERR_HOT_EVALUATION', `import.meta.hot.migrate('${name}') threw: ${(error as Error)?.message ?? error}`, undefined, { cause: error });
        }
        if (after !== before) {
          if (!version.valuesBefore.has(name)) version.valuesBefore.set(name, before);
          cell.value = after;
          batch.undo.push((mode) => {
            // As for any replaced value (runtime/handle.ts, #setValue): a write made after it wins over a failure.
            const written = !Object.is(cell.value, after);
            if (written && mode === 'failed') return undefined;
            cell.value = before;
            module.propagate(name, before);
            return written ? `${module.file}: ${name} is back to its value from before the reload, replacing a value written after it` : undefined;
          });
          module.propagate(name, after);
          version.kept.delete(name);
          version.replaced.add(name);
        }
      }
      module.live = version;
      previous.token.s = true;
      batch.undo.push(() => {
        module.live = previous;
        previous.token.s = false;
        version.token.s = true;
      });
      reports.push({
        file: module.file,
        version: version.version,
        kept: shown(version.kept),
        replaced: shown(version.replaced),
        added: shown(version.added),
        removed,
        reran: [...version.reran],
        // A statement that ran again registered afresh: its inline functions were not swapped for anyone.
        swapped: version.swapped.filter((line) => !version.reran.includes(version.meta.statements[version.swappedIn.get(line) ?? -1]?.line)).sort((a, b) => a - b),
        warnings: [
          ...version.warnings,
          ...removed.map((name) => `${name} was removed; references already taken keep the last code`),
          ...(version.meta.topLevelAwait ? ['the new code awaits at its top level: other code ran while the batch was open and could see it half applied (writes are never lost)'] : []),
        ],
      });
    }
    return reports;
  }

  /**
   * After commit: dispose and accept handlers of the replaced version (errors become warnings).
   * A handler registered by a statement the new version kept unchanged (and did not run again)
   * is not disposed: what its statement set up is still there, and the handler moves on to the
   * new version. Accept handlers all run, and those of kept statements move on too.
   */
  #finish(previous: ModuleVersion, module: HotModule, namespace: unknown, report: ModuleReport): void {
    const version = module.live;
    const kept = (statement: string | undefined) => statement !== undefined && version.keptStatements.has(statement);
    // Old handlers see their own version's values: a dispose handler that clears `timer` must
    // clear the old timer, not the one the new version just started. Older versions' bindings
    // hold the values from before the batch while the handlers run, then the latest again.
    for (const [name, before] of version.valuesBefore) module.propagate(name, before, version);
    try {
      this.#runHandlers(previous, version, module.data, namespace, report, kept);
    } finally {
      for (const name of version.valuesBefore.keys()) module.propagate(name, module.cells.get(name)?.value, version);
    }
  }

  #runHandlers(previous: ModuleVersion, version: ModuleVersion, data: Record<string, unknown>, namespace: unknown, report: ModuleReport, kept: (statement: string | undefined) => boolean): void {
    for (const dispose of previous.disposers) {
      if (kept(dispose.statement)) {
        version.disposers.push(dispose);
        continue;
      }
      try {
        dispose.callback(data);
      } catch (error) {
        report.warnings.push(`a dispose handler of v${previous.version} threw: ${(error as Error)?.message ?? error}`);
      }
    }
    for (const accept of previous.acceptors) {
      if (kept(accept.statement)) version.acceptors.push(accept);
      try {
        accept.callback(namespace);
      } catch (error) {
        report.warnings.push(`an accept handler of v${previous.version} threw: ${(error as Error)?.message ?? error}`);
      }
    }
  }
}

/** The modules whose file (read now) differs from their live version, with the text read. */
async function changedSources(modules: Iterable<HotModule>): Promise<Map<HotModule, string>> {
  const list = [...modules];
  // A deleted file has nothing to load.
  const texts = await readTexts(list.map((module) => module.file));
  const sources = new Map<HotModule, string>();
  list.forEach((module, i) => {
    const source = texts[i];
    if (source && fingerprint(source) !== module.live.meta.hash) sources.set(module, source);
  });
  return sources;
}

/** Every version a batch evaluated: its reloads, and the first loads of modules it imported anew. */
function* evaluatedBy(batch: ActiveBatch): Iterable<[HotModule, ModuleVersion]> {
  yield* batch.entered;
  for (const module of batch.created) yield [module, module.live];
}

/** Reads the new sources and orders the batch so dependencies evaluate first. */
async function plan(modules: HotModule[], known: Map<HotModule, string>): Promise<Planned[]> {
  lexer ??= import('es-module-lexer').then(async (loaded) => {
    await loaded.init();
    return loaded;
  });
  const { parse: lexImports } = await lexer;
  const planned: Planned[] = [];
  const unknown = modules.filter((module) => !known.has(module));
  const read = await readTexts(unknown.map((module) => module.file));
  const texts = new Map(unknown.map((module, i) => [module, read[i]]));
  for (const module of modules) {
    const source = known.get(module) ?? texts.get(module);
    if (source == null) throw new HotError('ERR_HOT_NOT_FOUND', `${module.file} can no longer be read`);
    let imports: Planned['imports'] = [];
    try {
      imports = lexImports(source)[0]
        .filter((entry) => (entry.type === 'static' || entry.type === 'reexport-star') && !entry.typeOnly)
        .map((entry) => {
          const specifier = entry.specifier as string;
          const relative = specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/') || specifier.startsWith('file:');
          return { url: relative ? new URL(specifier, module.url).href : null, specifier, start: entry.importStart, text: source.slice(entry.importStart, entry.importEnd) };
        });
    } catch {
      // The lexer reads JavaScript; TypeScript syntax it cannot read only costs the ordering.
    }
    planned.push({ module, source, imports });
  }
  // Depth-first post-order over the batch's own edges: dependencies first; cycles keep input order.
  const byUrl = new Map(planned.map((p) => [p.module.url, p]));
  const ordered: Planned[] = [];
  const state = new Map<Planned, 'visiting' | 'done'>();
  const visit = (step: Planned) => {
    if (state.has(step)) return;
    state.set(step, 'visiting');
    for (const entry of step.imports) {
      const dependency = entry.url ? byUrl.get(entry.url) : undefined;
      if (dependency) visit(dependency);
    }
    state.set(step, 'done');
    ordered.push(step);
  };
  planned.forEach(visit);
  return ordered;
}
