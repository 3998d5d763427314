/**
 * What the `hot` CLI prints for people: one line per module, the outcome last, and for an
 * error its place, code, message and source line with a caret. Colour only when asked for.
 */
import type { ModuleReport, ReloadReport } from '../runtime/index.js';
import type { ProcessStatus } from '../control/endpoint.js';
import type { Discovery } from '../control/discovery.js';
import type { ErrorBody } from '../control/protocol.js';
const { readFileSync } = process.getBuiltinModule('node:fs');
const { relative, isAbsolute } = process.getBuiltinModule('node:path');

export interface Style {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const paint = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
export const COLOUR: Style = { green: paint(32, 39), red: paint(31, 39), yellow: paint(33, 39), dim: paint(2, 22), bold: paint(1, 22) };
export const PLAIN: Style = { green: String, red: String, yellow: String, dim: String, bold: String };

/** A path as the user would type it from `cwd`. */
export function shown(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** Up to `max` names, then how many more. */
function names(list: string[], max = 8): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} and ${list.length - max} more`;
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(0);
}

/** `src/combat.js v2: replaced attack, Player; kept hp` and a line per warning. */
function moduleLines(module: ModuleReport, cwd: string, style: Style): string[] {
  const parts: string[] = [];
  // A rollback names the batch it undid first among its warnings: that is what happened, not a warning.
  const warnings = [...module.warnings];
  if (/^rolled back batch \d+( \(.*\))?$/.test(warnings[0] ?? '')) parts.push(warnings.shift() as string);
  if (module.patched?.length) parts.push(`patched ${names(module.patched)}`);
  else if (module.replaced.length) parts.push(`replaced ${names(module.replaced)}`);
  if (module.added.length) parts.push(`added ${names(module.added)}`);
  if (module.removed.length) parts.push(`removed ${names(module.removed)}`);
  if (module.kept.length) parts.push(`kept ${names(module.kept)}`);
  if (module.swapped.length) parts.push(`swapped the inline function${module.swapped.length > 1 ? 's' : ''} at line${module.swapped.length > 1 ? 's' : ''} ${names(module.swapped.map(String))}`);
  if (module.reran.length) parts.push(`ran again the statement${module.reran.length > 1 ? 's' : ''} at line${module.reran.length > 1 ? 's' : ''} ${names(module.reran.map(String))}`);
  if (module.released?.length) parts.push(`released ${module.released.join(', ')}`);
  const lines = [`${style.bold(shown(module.file, cwd))} v${module.version}: ${parts.length ? parts.join('; ') : 'no change'}`];
  for (const warning of warnings) lines.push(`  ${style.yellow('warning:')} ${warning}`);
  return lines;
}

/** The source line of an error, with a caret under its column (nothing when the file cannot be read). */
function sourceLines(error: ErrorBody): string[] {
  if (!error.file || !error.line) return [];
  let text: string;
  try {
    text = readFileSync(error.file, 'utf8');
  } catch {
    return [];
  }
  const line = text.split(/\r?\n/)[error.line - 1];
  if (line === undefined) return [];
  const number = String(error.line);
  const gutter = ' '.repeat(number.length);
  const column = Math.max(1, error.column ?? 1);
  // Tabs stay tabs under the caret, so it lines up in any terminal.
  const pad = line.slice(0, column - 1).replace(/[^\t]/g, ' ');
  return [` ${number} | ${line}`, ` ${gutter} | ${pad}^`];
}

/** `src/combat.js:12:7 ERR_HOT_PARSE Unexpected token` and the source line with a caret. */
export function errorLines(error: ErrorBody, cwd: string, style: Style): string[] {
  const where = error.file ? `${shown(error.file, cwd)}${error.line ? `:${error.line}:${error.column ?? 1}` : ''} ` : '';
  const [first, ...rest] = error.message.split('\n');
  return [`${where}${style.red(error.code)} ${first}`, ...rest.map((line) => `  ${line}`), ...sourceLines(error)];
}

/** A batch's report: its modules, then the outcome. */
export function reportLines(report: ReloadReport & { hotfix?: string }, cwd: string, style: Style): string[] {
  const what = report.op === 'hotfix' && report.hotfix ? `hotfix ${shown(report.hotfix, cwd)}` : report.op;
  if (!report.ok) {
    const lines = [`${what} ${style.red('failed')}, nothing changed ${style.dim(`(batch ${report.batch}, ${ms(report.ms)} ms)`)}`];
    if (report.error) lines.push(...errorLines(report.error, cwd, style));
    return lines;
  }
  const lines = report.modules.flatMap((module) => moduleLines(module, cwd, style));
  const count = report.modules.length;
  const outcome = count === 0 ? `${what}: ${style.green('nothing to do')}` : `${what} ${style.green('applied')} to ${count} module${count > 1 ? 's' : ''}`;
  lines.push(`${outcome} ${style.dim(`(batch ${report.batch}, ${ms(report.ms)} ms)`)}`);
  return lines;
}

/** How long ago, roughly: `12s`, `3m12s`, `2h05m`, `3d04h`. */
export function duration(milliseconds: number): string {
  const s = Math.max(0, Math.floor(milliseconds / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

function bytes(value: number): string {
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KB`;
  return `${(value / 1024 / 1024).toFixed(1)} MB`;
}

/** `status`: the process, one line per hot module, the totals. */
export function statusLines(status: ProcessStatus, cwd: string, style: Style): string[] {
  const lines = [`${style.bold(`pid ${status.pid}`)}: node ${status.node}, up ${duration(status.uptimeMs)}, entry ${status.entry ? shown(status.entry, cwd) : '(none)'}`];
  const { watch } = status;
  if (watch) {
    lines.push(watch.on
      ? `watching ${watch.files} file${watch.files === 1 ? '' : 's'} in ${watch.directories} director${watch.directories === 1 ? 'y' : 'ies'} (${names((watch.paths ?? []).map((path) => (path === cwd ? '.' : shown(path, cwd))), 3)}): a save reloads`
      : `watcher off (${watch.why}): reload with hot reload`);
  }
  for (const module of status.modules) {
    const extra = [module.versions > 1 ? `${module.versions} versions evaluated` : '', module.declined ? 'declined' : ''].filter(Boolean);
    lines.push(`  ${shown(module.file, cwd)} v${module.version}${extra.length ? ` (${extra.join(', ')})` : ''}`);
  }
  const count = status.modules.length;
  lines.push(`${count} hot module${count === 1 ? '' : 's'}, ${status.oldVersions} old version${status.oldVersions === 1 ? '' : 's'} kept by Node (~${bytes(status.oldVersionBytes)})`);
  return lines;
}

/** `ps`: a table of processes. */
export function psLines(processes: Discovery[], cwd: string, now: number): string[] {
  const rows = [['PID', 'PORT', 'UP', 'NODE', 'ENTRY'], ...processes.map((p) => [String(p.pid), String(p.port), duration(now - Date.parse(p.started)), p.node, p.entry ? shown(p.entry, cwd) : '(none)'])];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '));
}
