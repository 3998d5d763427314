/**
 * Code another loader compiled before us (tsx on Node 20: `--import tsx --import
 * @hot/loader`) arrives with that loader's inline source map. Our map then points
 * into the compiled code; chaining the two makes stack traces and reload errors
 * point at the original TypeScript, and the same map tells which top-level
 * bindings the compiler injected (esbuild's `__defProp`, `__name`), which the
 * reload report leaves out.
 *
 * Loaded only for such modules (the transform requires it lazily).
 */
import remapping from '@jridgewell/remapping';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { SourceMapObject } from './types.js';

const INLINE_MAP = /\n?\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;

/** The compiler's map found at the end of a module's source. */
export interface InputMap {
  /** Where its `//# sourceMappingURL=` comment starts (our output drops it: ours replaces it). */
  commentStart: number;
  /** Whether a position of the compiled code maps to nothing in the original (injected code). */
  isGenerated(line: number, column: number): boolean;
  /** Our map, composed with the compiler's: compiled-by-us positions to the original source. */
  chain(ours: SourceMapObject, url: string): SourceMapObject;
}

/** The inline source map at the end of `source`, or null when there is none (or it is unreadable). */
export function readInputMap(source: string): InputMap | null {
  const match = INLINE_MAP.exec(source);
  if (!match) return null;
  let map: SourceMapObject;
  try {
    map = JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')) as SourceMapObject;
  } catch {
    return null;
  }
  let traced: TraceMap | undefined;
  return {
    commentStart: match.index,
    isGenerated(line, column) {
      traced ??= new TraceMap(map as never);
      return originalPositionFor(traced, { line, column }).source === null;
    },
    chain(ours, url) {
      // Only our map's own source is the compiled code; what the compiler's map points at is
      // the original (its path may resolve to the same URL as ours: stop there).
      const chained = remapping(ours as never, (file, context) => (context.depth === 1 && file === url ? (map as never) : null));
      return JSON.parse(chained.toString()) as SourceMapObject;
    },
  };
}
