/**
 * Transform cache keyed by content hash: in memory for the life of the process,
 * and on disk so a second start of a large app does not parse again.
 * Disk entries are written to a temp file and renamed, so a crash never leaves
 * a torn entry; an unreadable entry is a miss.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform } from '../transform/transform.js';
import { TRANSFORM_FORMAT } from '../transform/names.js';

export interface CachedTransformOptions {
  typescript: boolean;
  sourceHash?: string;
  /**
   * Keep the result in memory only. Reload versions use it: the disk cache serves the
   * next start, and every intermediate edit of a file would otherwise stay on disk.
   */
  memoryOnly?: boolean;
}

export class TransformCache {
  readonly #memory = new Map<string, string>();
  readonly #directory: string | null;
  readonly #salt: string;
  #directoryReady = false;
  /** Counters for tests and benchmarks. */
  readonly stats = { memoryHits: 0, diskHits: 0, misses: 0 };

  /** @param directory where to keep entries on disk, or null for memory only */
  constructor(directory: string | null, salt: string) {
    this.#directory = directory;
    this.#salt = `${TRANSFORM_FORMAT}:${salt}`;
  }

  /** The transformed code of `source` loaded from `url`. Throws the transform's HotError. */
  transform(source: string, url: string, options: CachedTransformOptions): string {
    const key = createHash('sha1').update(`${this.#salt}\0${url}\0${options.typescript}\0${options.sourceHash ?? ''}\0`).update(source).digest('hex');
    const memory = this.#memory.get(key);
    if (memory !== undefined) {
      this.stats.memoryHits++;
      return memory;
    }
    const file = this.#directory && !options.memoryOnly ? join(this.#directory, `${key}.js`) : null;
    if (file) {
      try {
        const code = readFileSync(file, 'utf8');
        this.stats.diskHits++;
        this.#memory.set(key, code);
        return code;
      } catch {
        // a miss
      }
    }
    this.stats.misses++;
    const { code } = transform(source, url, { typescript: options.typescript, ...(options.sourceHash ? { sourceHash: options.sourceHash } : {}) });
    this.#memory.set(key, code);
    if (file) this.#write(file, code);
    return code;
  }

  #write(file: string, code: string): void {
    try {
      if (!this.#directoryReady) {
        mkdirSync(this.#directory as string, { recursive: true });
        this.#directoryReady = true;
      }
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, code);
      renameSync(temp, file);
    } catch {
      // A read-only or full disk only costs the next start a parse.
    }
  }
}
