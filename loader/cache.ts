/**
 * Transform cache keyed by content hash: in memory (the most recently used 32 MB),
 * and on disk so a second start of a large app does not parse again.
 * Disk entries are written to a temp file and renamed, so a crash never leaves
 * a torn entry; an unreadable entry is a miss.
 */
import { contentKey } from '../transform/fingerprint.js';
import { TRANSFORM_FORMAT } from '../transform/names.js';
import { writeSessionMap, writeWhole } from './maps.js';
// Builtins through process.getBuiltinModule, not `import`: an ES import of node:fs or
// node:crypto evaluates their lazy getters (streams, webcrypto), ~10 ms each at start.
const { existsSync, mkdirSync, readFileSync, rename, writeFile } = process.getBuiltinModule('node:fs');
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
   * null for memory only. A reload's version is kept there only when the same source has a
   * first-load entry (a reload of an unchanged file): every intermediate edit of a file would
   * otherwise stay on disk.
   */
  directory: string | null;
  /** A version a reload loads (see `TransformOptions.sharedBindings`). */
  sharedBindings?: boolean;
}

/**
 * How much transformed code the memory cache keeps (UTF-16 code units): all of a 1000-module
 * app's (~8 MB) with room for the recent edits a rollback or an undo loads again.
 */
const MEMORY_LIMIT = 32 * 1024 * 1024;

/**
 * Base classes in the initialiser form (transform.ts, initForm) on V8 13+ (Node 24+) only: there a
 * `new` stays inlined after 100 reloads of its class; V8 12 and before stop re-optimising it after
 * about ten (bench/calls.js `new`, 100 reloads: 7 ns against 2.4 plain on Node 20), where the
 * other form keeps 1.0x. Part of the cache key.
 */
const CLASS_INIT = Number(process.versions.v8.split('.')[0]) >= 13;

export class TransformCache {
  /** Transformed code by key, least recently used first. */
  readonly #memory = new Map<string, string>();
  #memoryBytes = 0;
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
  readonly #memoryLimit: number;

  /**
   * @param salt what else the output depends on (the package version)
   * @param background write entries and their maps in the background (the main thread keeps the
   *   process alive until they finish); false on the hooks thread of Node 20, which the process
   *   does not wait for at exit, so there a write finishes before the module is handed back
   * @param memoryLimit how much transformed code to keep in memory (UTF-16 code units)
   */
  constructor(salt: string, background = true, memoryLimit = MEMORY_LIMIT) {
    this.#salt = `${TRANSFORM_FORMAT}:${salt}:${CLASS_INIT ? 'init' : 'root'}`;
    this.#background = background;
    this.#memoryLimit = memoryLimit;
  }

  /** The transformed code of `source` loaded from `url`. Throws the transform's HotError. */
  transform(source: string, url: string, options: CachedTransformOptions): string {
    const keyOf = (shared: boolean) => contentKey(`${this.#salt}\0${url}\0${options.typescript}\0${options.sourceHash ?? ''}\0${options.data ?? ''}\0${shared ? 1 : 0}\0${source}`);
    const key = keyOf(options.sharedBindings === true);
    const memory = this.#memory.get(key);
    if (memory !== undefined) {
      this.stats.memoryHits++;
      this.#remember(key, memory);
      return memory;
    }
    // A version a reload loads is kept on disk only when its source is one a start loaded (the
    // disk has that first load's entry): a reload of unchanged files (`reloadAll()`, `hot check`)
    // then reads it at the next start, while the edits in between stay in memory.
    const reloading = options.sharedBindings === true;
    const directory = options.directory && (!reloading || existsSync(join(options.directory, `${keyOf(false)}.js`))) ? options.directory : null;
    const file = directory ? join(directory, `${key}.js`) : null;
    if (file) {
      try {
        const code = readFileSync(file, 'utf8');
        this.stats.diskHits++;
        this.#remember(key, code);
        return code;
      } catch {
        // a miss
      }
    }
    this.stats.misses++;
    const { code: body, map } = transform(source, url, {
      typescript: options.typescript,
      inlineSourceMap: false,
      classInit: CLASS_INIT,
      ...(options.sharedBindings ? { sharedBindings: true } : {}),
      ...(options.sourceHash ? { sourceHash: options.sourceHash } : {}),
      ...(options.data ? { data: options.data } : {}),
    });
    const mapText = JSON.stringify(map);
    const inline = () => `${body}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(mapText).toString('base64')}\n`;
    // The map goes to a file the module names by path (Node reads a map file only for a URL
    // without a scheme, resolved against the module's URL; it ignores `file:` ones), not inline:
    // V8 keeps a module's source for the life of the process, and an inline map is ~1.2x the
    // module again, decoded by Node 20 at every load (see maps.ts).
    const mapBeside = file && file.replace(/\.js$/, '.map');
    const naming = (mapFile: string) => `${body}\n//# sourceMappingURL=${pathToFileURL(mapFile).pathname}\n`;
    if (file && mapBeside && !reloading && this.#background && this.#ready(directory as string)) {
      // A first load with a disk entry: the map and then the entry (which names it) are written in
      // the background, and this process compiles the code with its map inline, once. A cold start
      // then waits for no file at all (a synchronous file per module cost a 1000-module start
      // 0.4-1.1 s here); what it keeps is ~1.2x the size of the modules it transformed, until it
      // exits. The memory cache holds the inline code until both files are there.
      const code = inline();
      this.#remember(key, code);
      const entry = naming(mapBeside);
      this.#write(mapBeside, mapText, () => this.#write(file, entry, () => this.#memory.get(key) === code && this.#remember(key, entry)));
      return code;
    }
    // Otherwise the map is written before the module is handed back (Node 20 reads it as the
    // module compiles; a reload's version lives as long as the process, and an inline map with
    // it): beside the disk entry, or else into this process's map directory. Inline only when
    // neither can be written. The entry follows in the background, except on Node 20's hooks
    // thread, whose writes the process does not wait for.
    const besideWritten = file && mapBeside ? this.#writeNow(directory as string, mapBeside, mapText) : null;
    const mapFile = besideWritten ?? writeSessionMap(`${key}.map`, mapText);
    const code = mapFile ? naming(mapFile) : inline();
    this.#remember(key, code);
    // An entry only beside its own map: one naming the map directory of this process would
    // outlive it.
    if (file && besideWritten) {
      if (this.#background) this.#write(file, code, () => {});
      else this.#writeNow(directory as string, file, code);
    }
    return code;
  }

  /**
   * Keeps `code` in memory, the least recently used entries dropped past the memory limit:
   * every edit a reload loads is a new entry, and a long session must not keep them all.
   */
  #remember(key: string, code: string): void {
    const previous = this.#memory.get(key);
    if (previous !== undefined) {
      this.#memory.delete(key);
      this.#memoryBytes -= previous.length;
    }
    this.#memory.set(key, code);
    this.#memoryBytes += code.length;
    for (const [oldest, text] of this.#memory) {
      if (this.#memoryBytes <= this.#memoryLimit || oldest === key) break;
      this.#memory.delete(oldest);
      this.#memoryBytes -= text.length;
    }
  }

  /** Writes a file of the disk cache at once (temp name, then rename); its path, or null. */
  #writeNow(directory: string, file: string, text: string): string | null {
    return this.#ready(directory) && writeWhole(file, text) ? file : null;
  }

  /**
   * Writes a file of the disk cache in the background (libuv's threads; the process waits for
   * them at exit), then calls `then` if it was written. A full disk only costs the next start a parse.
   */
  #write(file: string, text: string, then: () => void): void {
    this.pendingWrites++;
    // A temp name first, renamed into place: a reader never sees half of it.
    const partial = `${file}.${process.pid}.${++this.#writes}.tmp`;
    writeFile(partial, text, (error) => {
      if (error) return void this.#written();
      rename(partial, file, (renamed) => {
        if (!renamed) then();
        this.#written();
      });
    });
  }

  /** Whether `directory` exists (made once); false on a read-only disk. */
  #ready(directory: string): boolean {
    if (this.#readyDirectories.has(directory)) return true;
    try {
      mkdirSync(directory, { recursive: true });
    } catch {
      return false;
    }
    this.#readyDirectories.add(directory);
    return true;
  }

  #written(): void {
    if (--this.pendingWrites === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
