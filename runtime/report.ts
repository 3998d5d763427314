/** What one module contributed to a reload batch. */
export interface ModuleReport {
  /** Absolute path of the module file. */
  file: string;
  /** The module's live version after the batch (1 is the first load). */
  version: number;
  /** Data bindings that kept their value. */
  kept: string[];
  /**
   * Data bindings given a new value, and functions and classes whose code changed. In a
   * hotfix batch: what the hotfix patched, as in {@link ModuleReport.patched}.
   */
  replaced: string[];
  /** Bindings that are new in this version. */
  added: string[];
  /** Bindings the new version no longer declares (references already taken keep working). */
  removed: string[];
  /**
   * Lines of the top-level statements (not declarations) that ran again: new or edited
   * ones, those reading replaced data, and `@hot rerun` ones. Unchanged ones do not.
   */
  reran: number[];
  /**
   * Lines of inline functions (written in a statement or initializer: `router.get('/', (req, res) => …)`)
   * whose code changed while their statement was kept: the new code runs behind the function
   * the statement registered, nothing ran again.
   */
  swapped: number[];
  /**
   * What the replaced code had set up and the reload released (`['1 timer', '2 listeners',
   * '1 server']`): from statements that ran again, were edited or removed, and replaced initializers.
   */
  released?: string[];
  /**
   * Hotfix batches only: what the hotfix patched in this module, in order, one entry per
   * call. A function or a data binding by its name (`attack`, `DAMAGE`); a class member as
   * the class name, `#` for an instance member or `.` for a static one, then the member as
   * `method()` names it without `static `: `Player#fire`, `Player#get hp`, `Player#set hp`,
   * `Player.make`, `Player.get count`.
   */
  patched?: string[];
  /**
   * Reloads only: what active hotfixes had patched in this module and the reload reverted
   * before it evaluated the file (same notation as {@link ModuleReport.patched}); the file's
   * code runs from now on. A warning names each hotfix. Undone (the patches apply again) if
   * the reload fails or is rolled back.
   */
  superseded?: string[];
  /** Things worth knowing: kind changes, `#private` members, dispose handlers that threw, … */
  warnings: string[];
}

/** Why a batch failed; positions are in the original source (source maps applied). */
export interface ReloadErrorInfo {
  /** `ERR_HOT_PARSE`, `ERR_HOT_LINK`, `ERR_HOT_EVALUATION`, `ERR_HOT_DECLINED`, … */
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  stack?: string;
}

/** The runtime calls that make a batch. */
export type ReloadOp = 'reload' | 'reloadAll' | 'rollback' | 'hotfix';

/**
 * The outcome of `reload()`, `reloadAll()`, `rollback()` and `hotfix()`. A failed batch has
 * `ok: false`, an `error`, and changed nothing.
 */
export interface ReloadReport {
  /** What ran: `reload`, `reloadAll`, `rollback` or `hotfix`. */
  op: ReloadOp;
  ok: boolean;
  /** Sequence number of the batch in this process. */
  batch: number;
  modules: ModuleReport[];
  error?: ReloadErrorInfo;
  /** Hotfix batches: the hotfix file's absolute path. */
  hotfix?: string;
  /** Wall time of the batch in milliseconds. */
  ms: number;
}

/** One human line for stderr. */
export function formatReport(report: ReloadReport, verb: string, cwd = process.cwd()): string {
  const ms = report.ms < 10 ? report.ms.toFixed(2) : report.ms.toFixed(0);
  const relative = (file: string) => (file.startsWith(cwd + '/') ? file.slice(cwd.length + 1) : file);
  if (!report.ok && report.error) {
    const { file, line, column } = report.error;
    const where = file ? `${relative(file)}${line ? `:${line}:${column ?? 1}` : ''} ` : '';
    // The whole message: further lines (a compiler's other errors) are indented under the first.
    return `[hot] ${verb} failed (${ms} ms), nothing changed: ${where}${report.error.code} ${report.error.message.replace(/\n/g, '\n    ')}`;
  }
  if (report.hotfix !== undefined) {
    // `[hot] hotfix fire.js patched src/player.js: Player#fire, DAMAGE in 0.41 ms`
    const patched = report.modules.map((m) => `${relative(m.file)}: ${(m.patched ?? m.replaced).join(', ')}`);
    const warnings = report.modules.flatMap((m) => m.warnings);
    const what = patched.length ? `patched ${patched.join('; ')}` : 'patched nothing';
    return `[hot] ${verb} ${relative(report.hotfix)} ${what} in ${ms} ms${warnings.length ? `; ${warnings.length} warning${warnings.length > 1 ? 's' : ''}: ${warnings.join('; ')}` : ''}`;
  }
  if (report.modules.length === 0) return `[hot] ${verb}: nothing to do (${ms} ms)`;
  const parts = report.modules.map((m) => {
    const counts = [`${m.replaced.length} replaced`, `${m.kept.length} kept`];
    if (m.added.length) counts.push(`${m.added.length} added`);
    if (m.removed.length) counts.push(`${m.removed.length} removed`);
    if (m.swapped.length) counts.push(`${m.swapped.length} inline function${m.swapped.length > 1 ? 's' : ''} swapped`);
    if (m.released?.length) counts.push(`released ${m.released.join(', ')}`);
    if (m.reran.length) counts.push(`${m.reran.length} statement${m.reran.length > 1 ? 's' : ''} ran again`);
    if (m.superseded?.length) counts.push(`hotfix superseded: ${m.superseded.join(', ')}`);
    return `${relative(m.file)} v${m.version} (${counts.join(', ')})`;
  });
  const warnings = report.modules.flatMap((m) => m.warnings);
  return `[hot] ${verb} ${parts.join(', ')} in ${ms} ms${warnings.length ? `; ${warnings.length} warning${warnings.length > 1 ? 's' : ''}: ${warnings.join('; ')}` : ''}`;
}
