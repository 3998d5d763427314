/**
 * Why a batch failed: turns whatever a failed `import()` threw (our transform's
 * HotError, a message from the hooks thread, Node's TypeScript stripper, tsx's
 * esbuild, a resolution or link error, a throw in new top-level code) into a
 * report error with the original file, line and column.
 */
import type { HotError } from '../transform/errors.js';
import type { ActiveBatch } from './hub.js';
import type { Planned } from './batch.js';
import type { ReloadErrorInfo } from './report.js';
const { readFileSync } = process.getBuiltinModule('node:fs');
const { fileURLToPath, pathToFileURL } = process.getBuiltinModule('node:url');

interface Position {
  file: string;
  line: number;
  column: number;
}

/** The fields of any thrown value that a report carries. */
export function errorInfo(error: unknown): ReloadErrorInfo {
  const err = error as Partial<HotError> & { stack?: string };
  const info: ReloadErrorInfo = {
    code: typeof err?.code === 'string' && err.code.startsWith('ERR_HOT_') ? err.code : 'ERR_HOT_EVALUATION',
    message: err instanceof Error ? err.message : String(error),
    ...(err?.stack ? { stack: err.stack } : {}),
  };
  if (err?.file) {
    const prefix = `${err.file}:${err.line}:${err.column}: `;
    Object.assign(info, { file: err.file, line: err.line, column: err.column });
    if (info.message.startsWith(prefix)) info.message = info.message.slice(prefix.length);
  }
  return info;
}

/** Turns whatever a failed import threw into a report error with the original file:line:col. */
export function explain(error: unknown, current: Planned | null, batch: ActiveBatch, planned: Planned[]): ReloadErrorInfo {
  const info = errorInfo(error);
  if (info.file || !current) return info;
  const module = current.module;
  const sourceOf = (file: string): string | null => planned.find((step) => step.module.file === file)?.source ?? readOrNull(file);
  const syntax = hookMessage(info.message) ?? typeScriptStripError(error, info, sourceOf) ?? esbuildError(info.message);
  if (syntax) return { ...info, code: 'ERR_HOT_PARSE', ...syntax };
  const missing = /does not provide an export named '([^']+)'/.exec(info.message) ?? /provide an export named ['"]?([\w$]+)/.exec(info.message);
  if (!batch.entered.has(module) && missing) {
    const requested = /requested module '([^']+)'/.exec(info.message)?.[1];
    for (const step of planned) {
      const hit = step.imports.find((entry) => (!requested || entry.specifier === requested) && new RegExp(`\\b${missing[1].replace(/\$/g, '\\$')}\\b`).test(entry.text));
      if (hit) return { ...info, code: 'ERR_HOT_LINK', file: step.module.file, ...lineColumn(step.source, hit.start) };
    }
    return { ...info, code: 'ERR_HOT_LINK', file: module.file };
  }
  const notFound = moduleNotFound(error, info.message, sourceOf);
  if (notFound) return { ...info, code: 'ERR_HOT_LINK', ...notFound };
  // Evaluation started if the module entered, or a module it newly imports did (and threw).
  if (!batch.entered.has(module) && batch.created.size === 0) {
    const code = (error as { code?: string })?.code;
    return { ...info, code: code === 'ERR_HOT_PARSE' ? code : 'ERR_HOT_LINK', file: module.file };
  }
  const files = new Set([...planned.map((p) => p.module.file), ...[...batch.created].map((m) => m.file)]);
  const frames = framesOf(info.stack);
  const frame = frames.find((f) => f.file === module.file) ?? frames.find((f) => files.has(f.file));
  return frame ? { ...info, code: 'ERR_HOT_EVALUATION', ...frame } : { ...info, code: 'ERR_HOT_EVALUATION', file: module.file };
}

/**
 * Why a hotfix failed, pointing into the hotfix file (`file`, its path) where that is known:
 * the place of a syntax error, or the frame of the hotfix file nearest the throw (the API call
 * that was refused, or the user's own `throw`). The file is not transformed: its stack
 * positions are the source's own.
 */
export async function explainHotfix(error: unknown, file: string): Promise<ReloadErrorInfo> {
  const info = errorInfo(error);
  if (info.file) return info;
  const code = (error as { code?: string })?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || (error instanceof SyntaxError && /does not provide an export named/.test(info.message))) {
    return { ...info, code: 'ERR_HOT_LINK', file, ...(moduleNotFound(error, info.message, readOrNull) ?? {}) };
  }
  if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' || code === 'ERR_INVALID_TYPESCRIPT_SYNTAX') {
    return { ...info, code: 'ERR_HOT_PARSE', file, ...(typeScriptStripError(error, info, readOrNull) ?? {}) };
  }
  if (error instanceof SyntaxError && !framesOf(info.stack).some((f) => f.file === file)) {
    // Node's error for a module it cannot parse carries no position when the import was
    // dynamic (it prints one only for an uncaught error): the parser finds it.
    return { ...info, code: 'ERR_HOT_PARSE', file, ...(await syntaxErrorAt(file)) };
  }
  const frame = framesOf(info.stack).find((f) => f.file === file);
  return { ...info, file, ...(frame ? { line: frame.line, column: frame.column } : {}) };
}

/** The line and column of the first syntax error in `file`, by the transform's parser (loaded only now). */
async function syntaxErrorAt(file: string): Promise<{ line: number; column: number } | object> {
  const source = readOrNull(file);
  if (source === null) return {};
  try {
    const { parseSync } = await import('oxc-parser');
    const typescript = /\.[cm]?tsx?$/.test(file);
    const { errors } = parseSync(typescript ? 'hotfix.ts' : 'hotfix.js', source, { lang: typescript ? 'ts' : 'js', sourceType: 'module' });
    const fatal = errors.find((error) => error.severity === 'Error') ?? errors[0];
    if (!fatal) return {};
    return lineColumn(source, fatal.labels[0]?.start ?? 0);
  } catch {
    return {};
  }
}

const HOT_MESSAGE = /^(\/[^\n]*?|[A-Za-z]:\\[^\n]*?):(\d+):(\d+): /;

/** Errors thrown in our load hook cross the hooks thread (Node 20) as text: "file:line:col: message". */
function hookMessage(message: string): (Position & { message: string }) | null {
  const located = HOT_MESSAGE.exec(message);
  if (!located) return null;
  return { message: message.slice(located[0].length), file: located[1], line: Number(located[2]), column: Number(located[3]) };
}

/**
 * Node 22.18+ strips TypeScript after our hook and refuses what it cannot strip (an `enum`,
 * a `namespace`, parameter properties). Its stack starts with the place in the code it was
 * given (ours, whose lines are the original's):
 *
 *     file:///srv/game/lib.ts?hot=2:5
 *
 *     enum Color { Red, Green }
 *     ^^^^^^^^^^^^^^^^^^^^^^^^^
 *
 * The column is found by looking the marked text up in the original line.
 */
function typeScriptStripError(error: unknown, info: ReloadErrorInfo, sourceOf: (file: string) => string | null): (Position & { message: string }) | null {
  const code = (error as { code?: string })?.code;
  if (code !== 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' && code !== 'ERR_INVALID_TYPESCRIPT_SYNTAX') return null;
  const head = /^(file:\/\/[^\n]+?):(\d+)\n\n([^\n]*)\n( *)(\^+)/.exec(info.stack ?? '');
  if (!head) return null;
  const file = fileURLToPath(head[1].replace(/[?#].*$/, ''));
  const line = Number(head[2]);
  const marked = head[3].slice(head[4].length, head[4].length + head[5].length);
  const original = sourceOf(file)?.split('\n')[line - 1];
  const at = original !== undefined && marked ? original.indexOf(marked) : -1;
  return { message: info.message, file, line, column: (at === -1 ? head[4].length : at) + 1 };
}

/**
 * tsx (Node 20) compiles with esbuild before our hook and reports syntax errors as
 * "Transform failed with N error(s):\n/path/file.ts:3:0: ERROR: Unexpected "}"" (0-based column).
 */
function esbuildError(message: string): (Position & { message: string }) | null {
  if (!/^Transform failed with \d+ errors?:\n/.test(message)) return null;
  const errors = [...message.matchAll(/^(\/[^\n]*?|[A-Za-z]:\\[^\n]*?):(\d+):(\d+): (?:ERROR|error): ([^\n]*)$/gm)];
  if (errors.length === 0) return null;
  const [first, ...others] = errors;
  const rest = others.map((match) => `\n${match[1]}:${match[2]}:${Number(match[3]) + 1}: ${match[4]}`).join('');
  return { message: first[4] + rest, file: first[1], line: Number(first[2]), column: Number(first[3]) + 1 };
}

/**
 * "Cannot find package 'x' imported from /srv/a.js" / "Cannot find module '/srv/b.js' imported
 * from /srv/a.js": the position of the import in the importing file.
 */
function moduleNotFound(error: unknown, message: string, sourceOf: (file: string) => string | null): Position | null {
  const code = (error as { code?: string })?.code;
  const match = /Cannot find (package|module) '([^']+)' imported from (.+?)\s*$/m.exec(message);
  if (!match || (code !== undefined && code !== 'ERR_MODULE_NOT_FOUND')) return null;
  const [, kind, target, importer] = match;
  const file = importer.startsWith('file:') ? fileURLToPath(importer) : importer;
  const source = sourceOf(file);
  if (source === null) return null;
  const base = pathToFileURL(file);
  const targetPath = kind === 'module' ? (target.startsWith('file:') ? fileURLToPath(target) : target) : null;
  for (const found of source.matchAll(/\b(?:import|export)\b[^'"`;]*?\(?\s*(['"])([^'"\n]+)\1/g)) {
    const specifier = found[2];
    const hit = kind === 'package'
      ? specifier === target || specifier.startsWith(`${target}/`)
      : /^\.{0,2}\//.test(specifier) && safePath(specifier, base) === targetPath;
    if (hit) return { file, ...lineColumn(source, (found.index ?? 0) + found[0].lastIndexOf(found[1] + specifier)) };
  }
  return { file, line: 1, column: 1 };
}

function safePath(specifier: string, base: URL): string | null {
  try {
    return fileURLToPath(new URL(specifier, base)).replace(/[?#].*$/, '');
  } catch {
    return null;
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** 1-based line and column of a UTF-16 offset. */
function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

const FRAME = /(?:\(|\bat\s)((?:file:\/\/)?\/[^\s():]+(?:\?[^\s():]*)?):(\d+):(\d+)\)?\s*$/;

function framesOf(stack: string | undefined): Position[] {
  const frames: Position[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const match = FRAME.exec(line);
    if (!match) continue;
    let file = match[1].replace(/\?.*$/, '');
    if (file.startsWith('file:')) file = fileURLToPath(file);
    frames.push({ file, line: Number(match[2]), column: Number(match[3]) });
  }
  return frames;
}
