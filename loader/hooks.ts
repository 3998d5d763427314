/**
 * The module hooks, written once for both registration styles: in-thread and
 * synchronous (`module.registerHooks`, Node >= 22.15) and off-thread
 * (`module.register`, Node 20). The hooks never wait on the main thread; the
 * runtime tells them a module's live version by resolving `file?hot-live=N`.
 */
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fingerprint } from '../transform/fingerprint.js';
import { LIVE_PARAM, VERSION_PARAM } from '../transform/names.js';
import { TransformCache } from './cache.js';
import type { HotConfig } from './config.js';
import { globToRegExp } from './glob.js';

interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
  [key: string]: unknown;
}

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | ArrayBufferView | null;
  shortCircuit?: boolean;
  [key: string]: unknown;
}

const TS_FILE = /\.[cm]?tsx?$/;

export class LoaderHooks {
  readonly #config: HotConfig;
  /** The package's own compiled code, never hot (an installed copy is under node_modules anyway). */
  readonly #ownCode: string;
  readonly #include: RegExp[];
  readonly #exclude: RegExp[];
  /** Live version per module URL (without query); only modules that were ever reloaded. */
  readonly #versions = new Map<string, number>();
  readonly #hot = new Map<string, boolean>();
  readonly cache: TransformCache;

  constructor(config: HotConfig, packageRoot: string, packageVersion: string) {
    this.#config = config;
    this.#ownCode = join(packageRoot, 'dist') + sep;
    this.#include = config.include.map(globToRegExp);
    this.#exclude = config.exclude.map(globToRegExp);
    this.cache = new TransformCache(config.cache ? join(config.root, 'node_modules', '.cache', 'hot-loader') : null, packageVersion);
  }

  /** Answers `file?hot-live=N` (the runtime's message) without touching the file system. */
  resolveEarly(specifier: string): ResolveResult | null {
    if (!specifier.startsWith('file:') || !specifier.includes(`${LIVE_PARAM}=`)) return null;
    const url = new URL(specifier);
    const live = Number(url.searchParams.get(LIVE_PARAM));
    url.searchParams.delete(LIVE_PARAM);
    url.searchParams.delete(VERSION_PARAM);
    if (live > 1) this.#versions.set(url.href, live);
    else this.#versions.delete(url.href);
    return { url: url.href, shortCircuit: true };
  }

  /** Sends a hot module to its live version; records the versions the runtime asks for. */
  adjustResolved(result: ResolveResult): ResolveResult {
    const { url } = result;
    if (!url.startsWith('file:') || this.#versions.size === 0 && !url.includes(`${VERSION_PARAM}=`)) return result;
    const query = url.indexOf('?');
    if (query === -1) {
      const version = this.#versions.get(url);
      return version ? { ...result, url: `${url}?${VERSION_PARAM}=${version}` } : result;
    }
    const parsed = new URL(url);
    const requested = parsed.searchParams.get(VERSION_PARAM);
    if (requested !== null) {
      parsed.searchParams.delete(VERSION_PARAM);
      this.#versions.set(parsed.href, Number(requested));
    }
    return result;
  }

  /** Whether a module URL is a project file that should be made hot. */
  isHot(url: string): boolean {
    if (!url.startsWith('file:')) return false;
    const query = url.search(/[?#]/);
    const base = query === -1 ? url : url.slice(0, query);
    let hot = this.#hot.get(base);
    if (hot === undefined) {
      const path = fileURLToPath(base);
      const rel = relative(this.#config.root, path).split(sep).join('/');
      hot =
        !rel.startsWith('../') && rel !== '..' &&
        !path.startsWith(this.#ownCode) &&
        !rel.split('/').includes('node_modules') &&
        this.#include.some((re) => re.test(rel)) &&
        !this.#exclude.some((re) => re.test(rel));
      this.#hot.set(base, hot);
    }
    return hot;
  }

  /** Transforms a loaded ES module (JavaScript, or TypeScript that Node strips after us). */
  transformLoaded(url: string, result: LoadResult): LoadResult {
    const format = result.format;
    if ((format !== 'module' && format !== 'module-typescript') || result.source == null) return result;
    const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
    const parsed = new URL(url);
    const reloading = parsed.searchParams.has(VERSION_PARAM);
    parsed.searchParams.delete(VERSION_PARAM);
    const base = parsed.href;
    const typescript = format === 'module-typescript';
    // Another loader (tsx) compiled this TypeScript file: change detection hashes the file itself.
    const sourceHash = !typescript && TS_FILE.test(parsed.pathname) ? fingerprint(readFileSync(fileURLToPath(base), 'utf8')) : undefined;
    const code = this.cache.transform(source, base, { typescript, memoryOnly: reloading, ...(sourceHash ? { sourceHash } : {}) });
    return { ...result, format, source: code, shortCircuit: true };
  }
}
