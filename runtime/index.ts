/**
 * `@hot/loader/runtime`: reload hot modules from code.
 *
 * Every call resolves to a {@link ReloadReport}; a failed reload never throws
 * and never crashes the process. Batches run one at a time, in call order.
 *
 * @example
 * import { reload, onReload } from '@hot/loader/runtime';
 * onReload((report) => console.log(report.ok ? 'reloaded' : report.error?.message));
 * const report = await reload('src/combat.js');
 */
import { BatchRunner, type FileInput } from './batch.js';
import { hub } from './hub.js';
import type { ReloadReport } from './report.js';
import { recordRelease } from './resources.js';

export type { ReloadReport, ReloadOp, ModuleReport, ReloadErrorInfo } from './report.js';
export type { FileInput } from './batch.js';
export type { Hotfix, HotfixModule } from './hotfix.js';
export type { HotContext, Migration } from './hot-context.js';
export type { RuntimeConfig } from './hub.js';
export type { CheckOptions, CheckResult, CheckFinding, CheckWarning, CheckKind, CheckProgress, Invariant, InvariantContext } from './check.js';

declare global {
  interface ImportMeta {
    /** Set by @hot/loader in every hot module; undefined when the module runs without it. */
    hot?: import('./hot-context.js').HotContext;
  }
}

const state = hub();
const runner = (state.runner ??= new BatchRunner(state, (specifier) => import.meta.resolve(specifier)));

/**
 * Reloads modules as one all-or-nothing batch, dependencies first.
 *
 * @param files a path (absolute or relative to the working directory), a file URL,
 *   or an array of them. Without it: every loaded hot module whose file changed.
 * @returns the batch's report; `ok: false` with `error` (file, line, column) when
 *   anything failed, in which case code and data are exactly as before.
 * @example
 * await reload(['src/combat.js', 'src/items.js']);
 */
export function reload(files?: FileInput | FileInput[]): Promise<ReloadReport> {
  return runner.reload(files);
}

/**
 * Reloads every loaded hot module, changed or not. With unchanged sources, data and
 * identities are kept; only `@hot replace-data` bindings get new values and
 * `@hot rerun` statements run again.
 * @example
 * const report = await reloadAll();
 */
export function reloadAll(): Promise<ReloadReport> {
  return runner.reloadAll();
}

/**
 * Undoes the last applied batch: code, cells, prototypes and the data it replaced
 * return to what they were before it; data it kept stays as the game wrote it (a
 * replaced binding the game wrote since is restored, with a warning in the report).
 * It does not re-run old top-level code, nor undo what dispose handlers released.
 * Each call undoes one more batch, back to the last 50 (older ones are forgotten: what they replaced is freed).
 * @example
 * await rollback();
 */
export function rollback(): Promise<ReloadReport> {
  return runner.rollback();
}

/**
 * Runs a hotfix file: an ES module whose default export receives a {@link Hotfix} and patches
 * the running code (a function's implementation, a class member, a data value). The file is
 * imported fresh at each call, never made hot (even inside the project), and its specifiers
 * name modules relative to itself. All of it applies or none of it: if the default export
 * throws, or a call is refused (`ERR_HOT_HOTFIX`: an unknown module, binding or member, or the
 * wrong kind; `ERR_HOT_NOT_HOT`), nothing changes and the report points into the hotfix file.
 * A returned promise is awaited (with a warning). The applied hotfix is a batch: `rollback()`
 * undoes it; a later reload of a patched module reverts its patches first, so the file's code
 * runs again (the reload's report lists them in `superseded`).
 *
 * @param file the hotfix file: a path (absolute or relative to the working directory) or a file URL.
 * @returns the batch's report, with `hotfix` (the file's path) and, per patched module,
 *   `patched` (`['attack', 'Player#fire', 'Player#get hp', 'Player.make', 'DAMAGE']`).
 * @example
 * // hotfixes/fire.js
 * /** @param {import('@hot/loader/runtime').Hotfix} hot *\/
 * export default function (hot) {
 *   const player = hot.module('../src/player.js');
 *   player.method('Player', 'fire', function () { return this.ammo > 0 ? 'bang' : 'click'; });
 *   player.set('DAMAGE', 12);
 * }
 *
 * // in the server (or `npx hot hotfix hotfixes/fire.js`)
 * const report = await hotfix('hotfixes/fire.js');
 * if (!report.ok) console.error(report.error?.message);
 */
export function hotfix(file: FileInput): Promise<ReloadReport> {
  return runner.hotfix(file);
}

/**
 * Runs `listener(report)` after every batch (reload, reloadAll, rollback, hotfix). Returns an unsubscribe
 * function. Called by a top-level statement, it is released when that statement runs again or is removed.
 */
export function onReload(listener: (report: ReloadReport) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError(`onReload() takes a function, got ${typeof listener}`);
  state.listeners.add(listener);
  const off = () => {
    state.listeners.delete(listener);
  };
  // Called by a top-level statement: released with what the statement set up.
  recordRelease(off);
  return off;
}

/** One module in {@link status}. */
export interface ModuleStatus {
  file: string;
  /** The live version (1 is the first load). */
  version: number;
  /** How many versions Node has evaluated (it frees none of them). */
  versions: number;
  bindings: number;
  declined: boolean;
  /** A fingerprint of the live version's source (not a security hash): equal sources, equal hashes. */
  hash: string;
}

/** What the runtime holds. */
export interface RuntimeStatus {
  modules: ModuleStatus[];
  /** Evaluated versions that are no longer live, over all modules. */
  oldVersions: number;
  /**
   * Estimated bytes those old versions keep alive: Node never frees a module record, and each
   * version of a hot module retains about 15x its source size (bench/memory.js, 200 reloads
   * after gc: 14x on Node 24, 15-16x on Node 20, for a 5 KB and a 100 KB module; a plain
   * cache-busted import retains 5x). See README, "Memory".
   */
  oldVersionBytes: number;
}

/** Heap bytes an old version keeps per byte of its source (see {@link RuntimeStatus.oldVersionBytes}). */
const RETAINED_PER_SOURCE_BYTE = 15;

/**
 * What is loaded and what old versions cost.
 * @example
 * console.log(status().oldVersionBytes);
 */
export function status(): RuntimeStatus {
  const modules: ModuleStatus[] = [];
  let oldVersions = 0;
  let oldVersionBytes = 0;
  for (const module of state.modules.values()) {
    modules.push({ file: module.file, version: module.live.version, versions: module.versions.length, bindings: module.cells.size, declined: module.live.declined, hash: module.live.meta.hash });
    for (const version of module.versions) {
      if (version === module.live) continue;
      oldVersions++;
      oldVersionBytes += version.meta.size * RETAINED_PER_SOURCE_BYTE;
    }
  }
  return { modules, oldVersions, oldVersionBytes };
}

/**
 * Tells `hot check --ready-call` that the app is ready to be checked (its servers listen, its
 * startup work is done). Outside a check it only records the moment; calling it again does nothing.
 * @example
 * await db.connect();
 * server.listen(3000, () => ready());
 */
export function ready(): void {
  state.ready();
}

/**
 * The checks of `hot check`, in this process: reloads every hot module for `rounds` rounds, each
 * with unchanged sources and as if every line had been edited, and returns what would break or
 * leak in production (README, "hot check"). For a test runner, with the app loaded under
 * `--import @hot/loader`. It forgets the undo history (`rollback()` has nothing to undo after it),
 * and leaves the app running on reloaded code with its data replaced by the edited rounds.
 * @example
 * import { checkReloadSafety } from '@hot/loader/runtime';
 * import './server.js';
 * const result = await checkReloadSafety({ rounds: 3 });
 * assert.deepEqual(result.findings, []);
 */
export async function checkReloadSafety(options?: import('./check.js').CheckOptions): Promise<import('./check.js').CheckResult> {
  // The module that calls it is left out: reloading it would run its call again.
  const stack = new Error().stack ?? '';
  // Loaded when asked: an app that is never checked does not pay for it at start.
  const { runCheck } = await import('./check.js');
  return runCheck(state, runner, options, stack);
}
