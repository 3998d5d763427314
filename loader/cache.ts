/**
 * Transform cache keyed by content hash: in memory for the life of the process,
 * and on disk so a second start of a large app does not parse again.
 * Disk entries are written to a temp file and renamed, so a crash never leaves
 * a torn entry; an unreadable entry is a miss.
 */
import { contentKey } from '../transform/fingerprint.js';
import { TRANSFORM_FORMAT } from '../transform/names.js';
// Builtins through process.getBuiltinModule, not `import`: an ES import of node:fs or
// node:crypto evaluates their lazy getters (streams, webcrypto), ~10 ms each at start.
const { mkdirSync, readFileSync, rename, renameSync, writeFile, writeFileSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');
const { join } = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');

type Transform = typeof import('../transform/transform.js').transform;
let loadedTransform: Transform | undefined;

/**
 * The transform, loaded at the first cache miss: the parser and the scope analyzer
 * take 100-500 ms to import, and a start whose every module hits the cache needs
 * neither. `require()` of an ES module is synchronous (Node >= 20.19), which the
 * in-thread load hook needs; the graph has no top-level await.
 */
function transform(...args: Parameters<Transform>): ReturnType<Transform> {
  loadedTransform ??= (createRequire(import.meta.url)('../transform/transform.js') as typeof import('../transform/transform.js')).transform;
  return loadedTransform(...args);
}

export interface CachedTransformOptions {
  typescript: boolean;
  sourceHash?: string;
  /** The project's data default (config `data`), embedded in the module's metadata. */
  data?: 'keep' | 'replace';
  /**
   * Where to keep the result on disk (the project's `node_modules/.cache/hot-loader`), or
   * null for memory only. Reload versions use memory only: the disk cache serves the next
   * start, and every intermediate edit of a file would otherwise stay on disk.
   */
  directory: string | null;
  /** A version a reload loads (see `TransformOptions.sharedBindings`). */
  sharedBindings?: boolean;
}

export class TransformCache {
  readonly #memory = new Map<string, string>();
  readonly #salt: string;
  readonly #readyDirectories = new Set<string>();
  /** Counters for tests and benchmarks. */
  readonly stats = { memoryHits: 0, diskHits: 0, misses: 0 };
  /** Disk writes under way. */
  pendingWrites = 0;
  #idle: (() => void)[] = [];
  #writes = 0;

  /** Resolves when every disk write started so far has finished (or failed). */
  idle(): Promise<void> {
    return this.pendingWrites === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  readonly #background: boolean;

  /**
   * @param salt what else the output depends on (the package version)
   * @param background write entries in the background (the main thread keeps the process
   *   alive until they finish); false on the hooks thread of Node 20, which the process does
   *   not wait for at exit, so there a write finishes before the module is handed back
   */
  constructor(salt: string, background = true) {
    this.#salt = `${TRANSFORM_FORMAT}:${salt}`;
    this.#background = background;
  }

  /** The transformed code of `source` loaded from `url`. Throws the transform's HotError. */
  transform(source: string, url: string, options: CachedTransformOptions): string {
    const key = contentKey(`${this.#salt}\0${url}\0${options.typescript}\0${options.sourceHash ?? ''}\0${options.data ?? ''}\0${options.sharedBindings ? 1 : 0}\0${source}`);
    const memory = this.#memory.get(key);
    if (memory !== undefined) {
      this.stats.memoryHits++;
      return memory;
    }
    const file = options.directory ? join(options.directory, `${key}.js`) : null;
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
    const { code: body, map } = transform(source, url, {
      typescript: options.typescript,
      inlineSourceMap: false,
      ...(options.sourceHash ? { sourceHash: options.sourceHash } : {}),
      ...(options.data ? { data: options.data } : {}),
      ...(options.sharedBindings ? { sharedBindings: true } : {}),
    });
    const mapText = JSON.stringify(map);
    // This load gets its map inline (a file written in the background may not be there yet).
    const code = `${body}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(mapText).toString('base64')}\n`;
    this.#memory.set(key, code);
    if (file) {
      // The next start reads a map file beside the entry: Node then decodes no base64 copy of
      // it, and the module's source (which V8 scans and keeps for the life of the process)
      // is 60% smaller. A start of 1000 modules: +640 ms over plain against +880 inline.
      // The map goes first, so an entry on disk never points at a map that is not there.
      const mapFile = file.replace(/\.js$/, '.map');
      this.#write(options.directory as string, [
        [mapFile, mapText],
        // A path, not a file: URL: Node reads a map file only for a URL without a scheme
        // (resolved against the module's URL); it ignores `file:` ones.
        [file, `${body}\n//# sourceMappingURL=${pathToFileURL(mapFile).pathname}\n`],
      ]);
    }
    return code;
  }

  /**
   * Writes an entry, in the background (libuv's threads) where the process waits for it:
   * off the load path, where a cold start of a large app otherwise spends a large share
   * of its time in synchronous writes.
   */
  #write(directory: string, files: [file: string, text: string][]): void {
    try {
      if (!this.#readyDirectories.has(directory)) {
        mkdirSync(directory, { recursive: true });
        this.#readyDirectories.add(directory);
      }
    } catch {
      return; // a read-only disk
    }
    // Each file goes to a temp name first and is renamed into place: a reader never sees half of it.
    const temp = (file: string) => `${file}.${process.pid}.${++this.#writes}.tmp`;
    if (!this.#background) {
      try {
        for (const [file, text] of files) {
          const partial = temp(file);
          writeFileSync(partial, text);
          renameSync(partial, file);
        }
      } catch {
        // A full disk only costs the next start a parse.
      }
      return;
    }
    this.pendingWrites++;
    const next = (index: number): void => {
      if (index === files.length) return this.#written();
      const [file, text] = files[index];
      const partial = temp(file);
      writeFile(partial, text, (error) => {
        if (error) return this.#written();
        rename(partial, file, (failed) => (failed ? this.#written() : next(index + 1)));
      });
    };
    next(0);
  }

  #written(): void {
    if (--this.pendingWrites === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
