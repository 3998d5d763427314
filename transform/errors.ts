/** Error codes of @hot/loader. Each one is documented in README ("Errors"). */
export type HotErrorCode =
  | 'ERR_HOT_PARSE'
  | 'ERR_HOT_TRANSFORM'
  | 'ERR_HOT_LINK'
  | 'ERR_HOT_EVALUATION'
  | 'ERR_HOT_DECLINED'
  | 'ERR_HOT_NOT_HOT'
  | 'ERR_HOT_NOT_FOUND'
  | 'ERR_HOT_BUSY'
  | 'ERR_HOT_NOTHING_TO_ROLL_BACK'
  | 'ERR_HOT_INVALID_ARGUMENT'
  | 'ERR_HOT_LISTEN'
  | 'ERR_HOT_PRIVATE'
  | 'ERR_HOT_HOTFIX';

/** Where in an original source file an error points (1-based line, 1-based column). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/**
 * The one error class of @hot/loader. `message` starts with `file:line:col` when
 * there is a position, names the offending value and says what to do.
 */
export class HotError extends Error {
  readonly code: HotErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;

  constructor(code: HotErrorCode, message: string, position?: SourcePosition, options?: { cause?: unknown }) {
    super(position ? `${position.file}:${position.line}:${position.column}: ${message}` : message, options);
    this.name = 'HotError';
    this.code = code;
    if (position) {
      this.file = position.file;
      this.line = position.line;
      this.column = position.column;
    }
  }
}

/** Offsets to line/column: 1-based lines, 0-based columns (source-map convention). */
export class LineIndex {
  readonly #starts: number[] = [0];

  constructor(source: string) {
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) this.#starts.push(i + 1);
  }

  /** The line (1-based) and column (0-based) of a UTF-16 offset. */
  locate(offset: number): { line: number; column: number } {
    const starts = this.#starts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low] };
  }
}
