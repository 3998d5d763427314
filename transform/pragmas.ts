/**
 * `@hot keep-data` / `@hot replace-data` comments.
 *
 * - Directly before a declaration (only comments and at most one line break
 *   between, no blank line): applies to that declaration.
 * - At the top of the file, before any code, followed by a blank line: the module's default.
 */
import type { DataPragma, StatementPragma } from './types.js';

interface Comment {
  value: string;
  start: number;
  end: number;
}

const PRAGMA = /@hot\s+(keep|replace)-data\b/;
const STATEMENT_PRAGMA = /@hot\s+(rerun|once)\b/;

function pragmaOf(comment: Comment): DataPragma | undefined {
  const match = PRAGMA.exec(comment.value);
  return match ? (match[1] as DataPragma) : undefined;
}

function statementPragmaOf(comment: Comment): StatementPragma | undefined {
  const match = STATEMENT_PRAGMA.exec(comment.value);
  return match ? (match[1] as StatementPragma) : undefined;
}

function isBlankGap(text: string): boolean {
  return /\n[ \t\r]*\n/.test(text);
}

/** What the pragmas of one module say. */
export interface Pragmas {
  /** The module's data default from a file-top pragma. */
  module?: DataPragma;
  /** The module's statement default from a file-top `@hot rerun` / `@hot once`. */
  moduleStatements?: StatementPragma;
  /** The data pragma that applies to a declaration or class member starting at `offset`. */
  before(offset: number): DataPragma | undefined;
  /** The statement pragma that applies to a top-level statement starting at `offset`. */
  statementBefore(offset: number): StatementPragma | undefined;
}

export function findPragmas(source: string, comments: Comment[], body: { start: number }[]): Pragmas {
  const relevant = comments.filter((comment) => comment.value.includes('@hot'));
  if (relevant.length === 0) return { before: () => undefined, statementBefore: () => undefined };
  const firstCode = body.length ? body[0].start : source.length;
  let module: DataPragma | undefined;
  let moduleStatements: StatementPragma | undefined;
  for (const comment of relevant) {
    if (comment.end > firstCode) break;
    const next = comments.find((c) => c.start >= comment.end);
    const gapEnd = next && next.start < firstCode ? next.start : firstCode;
    if (!isBlankGap(source.slice(comment.end, gapEnd))) continue;
    module = pragmaOf(comment) ?? module;
    moduleStatements = statementPragmaOf(comment) ?? moduleStatements;
  }
  const sorted = [...comments].sort((a, b) => a.start - b.start);
  /** The first pragma `read` finds in the run of comments that touch the code at `offset`. */
  const touching = <T>(offset: number, read: (comment: Comment) => T | undefined): T | undefined => {
    let cursor = offset;
    let index = sorted.length - 1;
    while (index >= 0 && sorted[index].end > offset) index--;
    for (; index >= 0; index--) {
      const comment = sorted[index];
      const gap = source.slice(comment.end, cursor);
      if (gap.trim() !== '' || isBlankGap(gap)) return undefined;
      const pragma = read(comment);
      if (pragma) return pragma;
      cursor = comment.start;
    }
    return undefined;
  };
  return {
    module,
    ...(moduleStatements ? { moduleStatements } : {}),
    before: (offset: number) => touching(offset, pragmaOf),
    statementBefore: (offset: number) => touching(offset, statementPragmaOf),
  };
}
