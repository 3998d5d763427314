/**
 * `@hot keep-data` / `@hot replace-data` comments.
 *
 * - Directly before a declaration (only comments and at most one line break
 *   between, no blank line): applies to that declaration.
 * - At the top of the file, before any code, followed by a blank line: the module's default.
 */
import type { DataPragma } from './types.js';

interface Comment {
  value: string;
  start: number;
  end: number;
}

const PRAGMA = /@hot\s+(keep|replace)-data\b/;

function pragmaOf(comment: Comment): DataPragma | undefined {
  const match = PRAGMA.exec(comment.value);
  return match ? (match[1] as DataPragma) : undefined;
}

function isBlankGap(text: string): boolean {
  return /\n[ \t\r]*\n/.test(text);
}

/** What the pragmas of one module say. */
export interface Pragmas {
  /** The module's default from a file-top pragma. */
  module?: DataPragma;
  /** The pragma that applies to a declaration or class member starting at `offset`. */
  before(offset: number): DataPragma | undefined;
}

export function findPragmas(source: string, comments: Comment[], body: { start: number }[]): Pragmas {
  const relevant = comments.filter((comment) => comment.value.includes('@hot'));
  if (relevant.length === 0) return { before: () => undefined };
  const firstCode = body.length ? body[0].start : source.length;
  let module: DataPragma | undefined;
  for (const comment of relevant) {
    if (comment.end > firstCode) break;
    const pragma = pragmaOf(comment);
    const next = comments.find((c) => c.start >= comment.end);
    const gapEnd = next && next.start < firstCode ? next.start : firstCode;
    if (pragma && isBlankGap(source.slice(comment.end, gapEnd))) module = pragma;
  }
  const sorted = [...comments].sort((a, b) => a.start - b.start);
  return {
    module,
    before(offset: number) {
      // Walk back over the run of comments that touch the declaration.
      let cursor = offset;
      let index = sorted.length - 1;
      while (index >= 0 && sorted[index].end > offset) index--;
      for (; index >= 0; index--) {
        const comment = sorted[index];
        const gap = source.slice(comment.end, cursor);
        if (gap.trim() !== '' || isBlankGap(gap)) return undefined;
        const pragma = pragmaOf(comment);
        if (pragma) return pragma;
        cursor = comment.start;
      }
      return undefined;
    },
  };
}
