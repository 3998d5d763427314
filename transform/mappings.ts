/**
 * The `mappings` of a transformed module's source map, written straight from magic-string's
 * chunks: what `generateMap({ hires: 'boundary' })` writes, without the array magic-string
 * makes for every segment (a cold start of 1000 modules spent ~0.4 s there, much of it in the
 * garbage collector), and without a segment for spaces and tabs (see below).
 *
 * A segment marks where each word (identifier, keyword, number) starts in unedited text and
 * where each other character is, with the original line and column it came from; an edited
 * chunk maps each of its lines to where the chunk starts, and inserted text maps nowhere of
 * its own (a lookup there finds the segment before it), as magic-string does.
 *
 * No segment starts at a space or a tab. V8 reports positions at tokens (a call, `new`,
 * `throw`, a property), never at whitespace, and the segment at every token start is still
 * there, so each position a stack trace can name maps exactly where it did, with a third fewer
 * segments (tests/transform.test.js checks that the segments are magic-string's less those at
 * spaces and tabs, over the test fixtures; 1841 files with real libraries gave 2.27 million
 * segments against 3.5).
 *
 * Reads magic-string's chunk list (`firstChunk`, `next`, `intro`, `outro`, `content`,
 * `edited`): internal, checked by that test for the version the lockfile installs.
 */
import type MagicString from 'magic-string';
import type { LineIndex } from './errors.js';

interface Chunk {
  start: number;
  end: number;
  intro: string;
  outro: string;
  content: string;
  edited: boolean;
  next: Chunk | null;
}

interface Internals {
  original: string;
  intro: string;
  outro: string;
  firstChunk: Chunk;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The base64 VLQ of `value`. */
function vlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let text = '';
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    text += BASE64[digit];
  } while (rest > 0);
  return text;
}

/** VLQs of -64..63, the deltas nearly every segment has. */
const SMALL = Array.from({ length: 128 }, (_, i) => vlq(i - 64));
const encode = (value: number) => (value >= -64 && value < 64 ? SMALL[value + 64] : vlq(value));

const isWordCode = (code: number) => (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;

/** The `mappings` string of `output` (one source, no names); `lines` indexes its original text. */
export function boundaryMappings(output: MagicString, lines: LineIndex): string {
  const { original, intro, outro, firstChunk } = output as unknown as Internals;
  let text = '';
  let column = 0; // generated column
  let previousColumn = 0;
  let previousLine = 0;
  let previousSourceColumn = 0;
  let comma = false;

  const segment = (line: number, sourceColumn: number) => {
    // The source index is 0 for every segment, so its delta is always 0 ('A').
    text += `${comma ? ',' : ''}${encode(column - previousColumn)}A${encode(line - previousLine)}${encode(sourceColumn - previousSourceColumn)}`;
    comma = true;
    previousColumn = column;
    previousLine = line;
    previousSourceColumn = sourceColumn;
  };
  const nextLine = () => {
    text += ';';
    comma = false;
    column = 0;
    previousColumn = 0;
  };
  /** Inserted text: moves the generated position, maps nothing. */
  const advance = (inserted: string) => {
    if (!inserted) return;
    let last = -1;
    for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) {
      nextLine();
      last = i;
    }
    column += inserted.length - last - 1;
  };
  const locate = (offset: number): [number, number] => {
    const { line, column } = lines.locate(offset);
    return [line - 1, column];
  };

  advance(intro);
  for (let chunk: Chunk | null = firstChunk; chunk; chunk = chunk.next) {
    advance(chunk.intro);
    if (chunk.edited) {
      const { content } = chunk;
      if (content.length) {
        // Each line of the new content maps to where the chunk starts.
        const [line, sourceColumn] = locate(chunk.start);
        let lineEnd = content.indexOf('\n');
        let previousEnd = -1;
        while (lineEnd >= 0 && content.length - 1 > lineEnd) {
          segment(line, sourceColumn);
          nextLine();
          previousEnd = lineEnd;
          lineEnd = content.indexOf('\n', lineEnd + 1);
        }
        segment(line, sourceColumn);
        advance(content.slice(previousEnd + 1));
      }
    } else {
      let [line, sourceColumn] = locate(chunk.start);
      let inWord = false;
      for (let i = chunk.start; i < chunk.end; i++) {
        const code = original.charCodeAt(i);
        if (code === 10) {
          line++;
          sourceColumn = 0;
          nextLine();
          inWord = false;
          continue;
        }
        if (isWordCode(code)) {
          if (!inWord) segment(line, sourceColumn);
          inWord = true;
        } else {
          if (code !== 32 && code !== 9) segment(line, sourceColumn);
          inWord = false;
        }
        sourceColumn++;
        column++;
      }
    }
    advance(chunk.outro);
  }
  advance(outro);
  return text;
}
