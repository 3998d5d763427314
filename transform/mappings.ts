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

/** Base64 digits as character codes. */
const BASE64 = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', (c) => c.charCodeAt(0));
const COMMA = 44;
const SEMICOLON = 59;
const A = 65;

/** What a character of unedited text does to the map: a word character, a space or tab, a line break, anything else. */
const WORD = 1;
const BLANK = 2;
const NEWLINE = 3;
const CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const word = (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
  CLASS[code] = word ? WORD : code === 32 || code === 9 ? BLANK : code === 10 ? NEWLINE : 0;
}

/** The `mappings` string of `output` (one source, no names); `lines` indexes its original text. */
export function boundaryMappings(output: MagicString, lines: LineIndex): string {
  const { original, intro, outro, firstChunk } = output as unknown as Internals;
  // Base64 VLQ bytes, decoded as Latin-1 at the end (a segment is ~5 bytes; ~3 per source character at most).
  let bytes = new Uint8Array(original.length + 64);
  let length = 0;
  let column = 0; // generated column
  let previousColumn = 0;
  let previousLine = 0;
  let previousSourceColumn = 0;
  let comma = false;

  const vlq = (value: number) => {
    let rest = value < 0 ? (-value << 1) | 1 : value << 1;
    do {
      let digit = rest & 31;
      rest >>>= 5;
      if (rest > 0) digit |= 32;
      bytes[length++] = BASE64[digit];
    } while (rest > 0);
  };
  /** Makes room for `count` more bytes. */
  const room = (count: number) => {
    if (length + count <= bytes.length) return;
    const grown = new Uint8Array(bytes.length * 2);
    grown.set(bytes);
    bytes = grown;
  };
  const segment = (line: number, sourceColumn: number) => {
    room(32); // a comma, an 'A' and three VLQs of at most 7 digits
    if (comma) bytes[length++] = COMMA;
    comma = true;
    vlq(column - previousColumn);
    bytes[length++] = A; // the source index is 0 for every segment: its delta is always 0
    vlq(line - previousLine);
    vlq(sourceColumn - previousSourceColumn);
    previousColumn = column;
    previousLine = line;
    previousSourceColumn = sourceColumn;
  };
  const nextLine = () => {
    room(1);
    bytes[length++] = SEMICOLON;
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
        const kind = code < 128 ? CLASS[code] : 0;
        if (kind === NEWLINE) {
          line++;
          sourceColumn = 0;
          nextLine();
          inWord = false;
          continue;
        }
        if (kind === WORD) {
          if (!inWord) segment(line, sourceColumn);
          inWord = true;
        } else {
          if (kind !== BLANK) segment(line, sourceColumn);
          inWord = false;
        }
        sourceColumn++;
        column++;
      }
    }
    advance(chunk.outro);
  }
  advance(outro);
  return Buffer.from(bytes.buffer, 0, length).toString('latin1');
}
