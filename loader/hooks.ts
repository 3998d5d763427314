/**
 * The module hooks, written once for both registration styles: in-thread and
 * synchronous (`module.registerHooks`, Node >= 22.15) and off-thread
 * (`module.register`, Node 20). The hooks never wait on the main thread; the
 * runtime tells them a module's live version by resolving `file?hot-live=N`.
 */
import { fingerprint } from '../transform/fingerprint.js';
import { BINDING_PARAM, BINDING_SOURCE, HOTFIX_PARAM, LIVE_PARAM, VERSION_PARAM } from '../transform/names.js';
import { TransformCache } from './cache.js';
import { ProjectConfigs, type HotConfig } from './config.js';
import { globToRegExp } from './glob.js';
// Builtins through process.getBuiltinModule, not `import`: an ES import of node:fs or
// node:crypto evaluates their lazy getters (streams, webcrypto), ~10 ms each at start.
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
const { join, relative, sep } = process.getBuiltinModule('node:path');
const { fileURLToPath } = process.getBuiltinModule('node:url');

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
/** A `file:` URL of a JavaScript module, with no query or hash. */
const PLAIN_JS = /^file:[^?#]*\.m?js$/;
/** A hotfix file the runtime runs (`fire.js?hot-fix=3`): never hot, whatever its project says. */
const HOTFIX_URL = new RegExp(`[?&]${HOTFIX_PARAM}=`);

/** A project's config with its globs compiled. */
interface Project {
  config: HotConfig;
  include: RegExp[];
  exclude: RegExp[];
  /** Where transforms are cached on disk, or null. */
  cacheDirectory: string | null;
}

export interface LoaderHooksOptions {
  /** Called once, when the first hot module is found (the loader's "nothing is hot" check). */
  onFirstHot?: () => void;
  /** Configs already read by the loader on this thread. */
  configs?: ProjectConfigs;
  /** The hooks run on Node 20's hooks thread: cache writes must not outlive a load. */
  offThread?: boolean;
}

export class LoaderHooks {
  /** Each module belongs to the nearest package.json above it; its config applies. */
  readonly #configs: ProjectConfigs;
  readonly #projects = new Map<HotConfig, Project>();
  /** The package's own compiled code, never hot (an installed copy is under node_modules anyway). */
  readonly #ownCode: string;
  /** Live version per module URL (without query); only modules that were ever reloaded. */
  readonly #versions = new Map<string, number>();
  /** Per module URL (without query): its project if the module is hot, null if not. */
  readonly #hot = new Map<string, Project | null>();
  /** Node's resolutions of hot modules' relative imports, by `<importer without query>\0<specifier>`. */
  readonly #resolved = new Map<string, ResolveResult>();
  readonly cache: TransformCache;
  /** Called once, when the first hot module is found (the loader's "nothing is hot" check). */
  #onFirstHot: (() => void) | null;

  constructor(packageRoot: string, packageVersion: string, options: LoaderHooksOptions = {}) {
    this.#ownCode = join(packageRoot, 'dist') + sep;
    this.cache = new TransformCache(packageVersion, !options.offThread);
    this.#onFirstHot = options.onFirstHot ?? null;
    this.#configs = options.configs ?? new ProjectConfigs();
  }

  #project(path: string): Project {
    const config = this.#configs.configOf(path);
    let project = this.#projects.get(config);
    if (!project) {
      const hasPackage = existsSync(join(config.root, 'package.json'));
      project = {
        config,
        include: config.include.map(globToRegExp),
        exclude: config.exclude.map(globToRegExp),
        cacheDirectory: config.cache && hasPackage ? join(config.root, 'node_modules', '.cache', 'hot-loader') : null,
      };
      this.#projects.set(config, project);
    }
    return project;
  }

  /** Answers `file?hot-live=N` (the runtime's message) without touching the file system. */
  resolveEarly(specifier: string): ResolveResult | null {
    // A shared binding's module (always imported by its absolute URL): nothing to look up.
    if (specifier.startsWith('file:') && specifier.includes(`?${BINDING_PARAM}=`)) return { url: specifier, shortCircuit: true };
    if (!specifier.startsWith('file:') || !specifier.includes(`${LIVE_PARAM}=`)) return null;
    const url = new URL(specifier);
    const live = Number(url.searchParams.get(LIVE_PARAM));
    url.searchParams.delete(LIVE_PARAM);
    url.searchParams.delete(VERSION_PARAM);
    if (live > 1) this.#versions.set(url.href, live);
    else this.#versions.delete(url.href);
    return { url: url.href, shortCircuit: true };
  }

  /**
   * A resolution Node already gave, without asking it again: a relative import of a hot module
   * (every version of a module imports the same files, and a reload of 1000 modules would
   * otherwise parse and stat ~3000 URLs again: ~0.1 ms each), or a hot module's own
   * `file:` URL with a version query (a batch's entry imports each new version by it).
   * Goes through {@link adjustResolved} as Node's answer would.
   */
  resolveKnown(specifier: string, parentURL: string | undefined): ResolveResult | null {
    if (specifier.startsWith('file:')) {
      const query = specifier.indexOf('?');
      if (query === -1 || !specifier.includes(`${VERSION_PARAM}=`)) return null;
      const base = specifier.slice(0, query);
      // JavaScript only: another loader (tsx) must see the TypeScript it loads.
      return PLAIN_JS.test(base) && this.#hot.get(base) ? this.adjustResolved({ url: specifier, shortCircuit: true }) : null;
    }
    const key = relativeKey(specifier, parentURL);
    const known = key === null ? undefined : this.#resolved.get(key);
    return known ? this.adjustResolved({ ...known }) : null;
  }

  /**
   * Keeps Node's resolution of a hot module's relative import for {@link resolveKnown}; returns
   * it. Only a plain one: a `.js`/`.mjs` file at exactly the URL the specifier names. Another
   * loader in the chain (tsx) that maps `./a.js` to `a.ts`, or tags what it resolves for its
   * load hook, must be asked each time.
   */
  remember<T extends ResolveResult>(specifier: string, parentURL: string | undefined, result: T): T {
    const key = relativeKey(specifier, parentURL);
    if (key === null || !PLAIN_JS.test(result.url)) return result;
    const importer = key.slice(0, key.indexOf('\0'));
    if (!this.#hot.get(importer) || new URL(specifier, importer).href !== result.url) return result;
    if (Object.keys(result).some((field) => field !== 'url' && field !== 'format' && field !== 'shortCircuit' && field !== 'importAttributes')) return result;
    this.#resolved.set(key, { ...result, shortCircuit: true });
    return result;
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

  /** The source of a shared binding's module (`file.js?hot-binding=name`), or null for any other URL. */
  bindingModule(url: string): { format: 'module'; source: string; shortCircuit: true } | null {
    if (!url.startsWith('file:') || !url.includes(`${BINDING_PARAM}=`)) return null;
    return { format: 'module', source: BINDING_SOURCE, shortCircuit: true };
  }

  /**
   * Whether a module URL is a project file that should be made hot (by its own project's config).
   * A hotfix file is not, even inside the project: it is loaded untouched (a module of its own
   * per run, not a version of a hot module), and what it imports resolves to live versions.
   */
  isHot(url: string): boolean {
    return !HOTFIX_URL.test(url) && this.#hotProject(url) !== null;
  }

  #hotProject(url: string): Project | null {
    if (!url.startsWith('file:')) return null;
    const query = url.search(/[?#]/);
    const base = query === -1 ? url : url.slice(0, query);
    let hot = this.#hot.get(base);
    if (hot === undefined) {
      hot = null;
      const path = fileURLToPath(base);
      if (!path.startsWith(this.#ownCode) && !path.split(sep).includes('node_modules')) {
        const project = this.#project(path);
        const rel = relative(project.config.root, path).split(sep).join('/');
        if (project.include.some((re) => re.test(rel)) && !project.exclude.some((re) => re.test(rel))) hot = project;
      }
      if (hot && this.#onFirstHot) {
        this.#onFirstHot();
        this.#onFirstHot = null;
      }
      this.#hot.set(base, hot);
    }
    return hot;
  }

  /**
   * Whether JavaScript reaches these hooks as it is on disk: no other loader before us in the
   * chain changes it. Judged once, at the first JavaScript module made hot. Only then may a
   * reload hand the hooks the source it read ({@link Hub.sources}) instead of asking the chain.
   */
  get plainJavaScript(): boolean {
    return this.#plainJavaScript === true;
  }
  #plainJavaScript: boolean | undefined;

  /** Transforms a loaded ES module (JavaScript, or TypeScript that Node strips after us). */
  transformLoaded(url: string, result: LoadResult): LoadResult {
    const format = result.format;
    if ((format !== 'module' && format !== 'module-typescript') || result.source == null) return result;
    const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
    if (this.#plainJavaScript === undefined && format === 'module' && PLAIN_JS.test(url)) {
      try {
        this.#plainJavaScript = readFileSync(fileURLToPath(url), 'utf8') === source;
      } catch {
        this.#plainJavaScript = false;
      }
    }
    const parsed = new URL(url);
    const reloading = parsed.searchParams.has(VERSION_PARAM);
    parsed.searchParams.delete(VERSION_PARAM);
    const base = parsed.href;
    const typescript = format === 'module-typescript';
    // Another loader (tsx) compiled this TypeScript file: change detection hashes the file itself.
    const sourceHash = !typescript && TS_FILE.test(parsed.pathname) ? fingerprint(readFileSync(fileURLToPath(base), 'utf8')) : undefined;
    const project = this.#hotProject(base) as Project;
    const data = project.config.data === 'auto' ? undefined : project.config.data;
    const code = this.cache.transform(source, base, {
      typescript,
      directory: project.cacheDirectory,
      sharedBindings: reloading,
      ...(sourceHash ? { sourceHash } : {}),
      ...(data ? { data } : {}),
    });
    return { ...result, format, source: code, shortCircuit: true };
  }
}

/** `<importer URL without query>\0<specifier>` for a relative specifier from a `file:` module, else null. */
function relativeKey(specifier: string, parentURL: string | undefined): string | null {
  if (!parentURL?.startsWith('file:') || !(specifier.startsWith('./') || specifier.startsWith('../'))) return null;
  const query = parentURL.search(/[?#]/);
  return `${query === -1 ? parentURL : parentURL.slice(0, query)}\0${specifier}`;
}
