/**
 * Project config: the `hot` key of package.json, or hot.config.json beside it.
 * Read once at start-up, validated up front; a bad config stops the process with
 * a message that names the key, the value and what is allowed.
 */
import { HotError } from '../transform/errors.js';
// Builtins through process.getBuiltinModule, not `import`: an ES import of node:fs or
// node:crypto evaluates their lazy getters (streams, webcrypto), ~10 ms each at start.
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
const { dirname, join } = process.getBuiltinModule('node:path');

/** The config as written by the user (every key optional). */
export interface HotConfigInput {
  /** Globs (relative to the project root) of modules to make hot. Default: every file. */
  include?: string[];
  /** Globs of modules to leave alone. node_modules and @hot/loader itself are always excluded. */
  exclude?: string[];
  /** Project-wide data default: `auto` (the changed-initializer rule), `keep` or `replace`. */
  data?: 'auto' | 'keep' | 'replace';
  /** Print no line per reload. */
  quiet?: boolean;
  /** Cache transforms on disk (node_modules/.cache/hot-loader). Default true. */
  cache?: boolean;
  /**
   * The control endpoint (`hot` CLI, admin tools): on by default, on a free port of 127.0.0.1;
   * `false` turns it off (as does HOT_CONTROL=0), `{ port }` picks the port. Read from the entry's project.
   */
  control?: boolean | { port?: number };
  /** Reload on save: on by default, off when NODE_ENV=production; HOT_WATCH=0/1 overrides. Read from the entry's project. */
  watch?: boolean;
  /**
   * The fleet (README, "Fleet"): the Redis URL and the game's name; HOT_FLEET_URL and
   * HOT_FLEET_NAME override them, and the shared secret comes from HOT_FLEET_SECRET only.
   */
  fleet?: { url?: string; name?: string; health?: string };
}

/** The normalised, frozen config. */
export interface HotConfig {
  readonly root: string;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly data: 'auto' | 'keep' | 'replace';
  readonly quiet: boolean;
  readonly cache: boolean;
  /** The control endpoint: null when turned off; port 0 picks a free one. */
  readonly control: { readonly port: number } | null;
  /** The `watch` key as written (undefined: the default, decided with NODE_ENV). */
  readonly watch: boolean | undefined;
  /** The `fleet` key as written (null when absent). */
  readonly fleet: { readonly url?: string; readonly name?: string; readonly health?: string } | null;
  /** Where the config came from, for messages. */
  readonly source: string;
}

const KEYS = ['include', 'exclude', 'data', 'quiet', 'cache', 'control', 'watch', 'fleet'] as const;

/**
 * The config of the project rooted at `root` (a directory with a package.json, or null
 * for a module that has none above it: the defaults, with `fallbackRoot` for the globs).
 * @throws {HotError} ERR_HOT_INVALID_ARGUMENT naming the file, the key and what is allowed
 */
export function readConfig(root: string | null, fallbackRoot: string = process.cwd()): HotConfig {
  if (root === null) return normalizeConfig({}, fallbackRoot, 'defaults (no package.json above the module)');
  let input: unknown = {};
  let source = `defaults (${join(root, 'package.json')} has no "hot" key)`;
  const file = join(root, 'hot.config.json');
  if (existsSync(file)) {
    source = file;
    input = parseJson(file);
  } else {
    const pkg = parseJson(join(root, 'package.json')) as { hot?: unknown };
    if (pkg && typeof pkg === 'object' && pkg.hot !== undefined) {
      source = `${join(root, 'package.json')} ("hot" key)`;
      input = pkg.hot;
    }
  }
  return normalizeConfig(input, root, source);
}

/**
 * Which project each module belongs to: the nearest package.json above it, whose
 * config (include, exclude, data, cache) applies to it. Lookups are cached per
 * directory and configs per root, so each is read once per process (per thread).
 */
export class ProjectConfigs {
  readonly #rootOfDirectory = new Map<string, string | null>();
  /** By root; modules with no package.json above them by their own directory. */
  readonly #configOfRoot = new Map<string, HotConfig>();

  /** The project root of a directory: the nearest one at or above it with a package.json. */
  rootOf(directory: string): string | null {
    let root = this.#rootOfDirectory.get(directory);
    if (root === undefined) {
      const parent = dirname(directory);
      root = existsSync(join(directory, 'package.json')) ? directory : parent === directory ? null : this.rootOf(parent);
      this.#rootOfDirectory.set(directory, root);
    }
    return root;
  }

  /** The config that applies to the module at `path` (absolute). */
  configOf(path: string): HotConfig {
    return this.configOfDirectory(dirname(path));
  }

  /** The config that applies to modules in `directory` (absolute). */
  configOfDirectory(directory: string): HotConfig {
    const root = this.rootOf(directory);
    const key = root ?? directory;
    let config = this.#configOfRoot.get(key);
    if (config === undefined) {
      config = readConfig(root, directory);
      this.#configOfRoot.set(key, config);
    }
    return config;
  }
}

function parseJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new HotError('ERR_HOT_INVALID_ARGUMENT', `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

export function normalizeConfig(input: unknown, root: string, source: string): HotConfig {
  const fail = (message: string): never => {
    throw new HotError('ERR_HOT_INVALID_ARGUMENT', `${source}: ${message}`);
  };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail(`the config must be an object, got ${JSON.stringify(input)}`);
  const config = input as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!(KEYS as readonly string[]).includes(key)) fail(`unknown key '${key}'; allowed: ${KEYS.join(', ')}`);
  }
  const globs = (key: 'include' | 'exclude', fallback: string[]): string[] => {
    const value = config[key];
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) fail(`'${key}' must be an array of glob strings, got ${JSON.stringify(value)}`);
    return value as string[];
  };
  const data = config.data ?? 'auto';
  if (data !== 'auto' && data !== 'keep' && data !== 'replace') fail(`'data' must be one of auto, keep, replace; got ${JSON.stringify(data)}`);
  for (const key of ['quiet', 'cache', 'watch'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'boolean') fail(`'${key}' must be true or false, got ${JSON.stringify(config[key])}`);
  }
  const control = config.control ?? true;
  const controlShape = `'control' must be true, false or { "port": <0-65535> }; got ${JSON.stringify(control)}`;
  if (typeof control !== 'boolean') {
    if (control === null || typeof control !== 'object' || Array.isArray(control)) fail(controlShape);
    const { port, ...rest } = control as { port?: unknown };
    if (Object.keys(rest).length) fail(`unknown key 'control.${Object.keys(rest)[0]}'; allowed: port`);
    if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535)) fail(controlShape);
  }
  let fleet: HotConfig['fleet'] = null;
  if (config.fleet !== undefined) {
    const shape = `'fleet' must be { "url": "redis://…", "name": "<game>", "health": "<module>" } (each optional); got ${JSON.stringify(config.fleet)}`;
    if (config.fleet === null || typeof config.fleet !== 'object' || Array.isArray(config.fleet)) fail(shape);
    const { url, name, health, ...rest } = config.fleet as Record<string, unknown>;
    if ('secret' in rest) fail("'fleet.secret': the shared secret does not belong in a config file that is committed; set HOT_FLEET_SECRET in the environment of every process and of hot fleet");
    if (Object.keys(rest).length) fail(`unknown key 'fleet.${Object.keys(rest)[0]}'; allowed: url, name, health`);
    if (health !== undefined && (typeof health !== 'string' || health === '')) fail(`'fleet.health' must be the path of the health module, relative to the project root; got ${JSON.stringify(health)}`);
    if (url !== undefined && typeof url !== 'string') fail(shape);
    if (name !== undefined && typeof name !== 'string') fail(shape);
    fleet = Object.freeze({ ...(url !== undefined ? { url: url as string } : {}), ...(name !== undefined ? { name: name as string } : {}), ...(health !== undefined ? { health: health as string } : {}) });
  }
  return Object.freeze({
    root,
    fleet,
    include: Object.freeze(globs('include', ['**'])),
    exclude: Object.freeze(globs('exclude', [])),
    data: data as HotConfig['data'],
    quiet: (config.quiet as boolean | undefined) ?? false,
    cache: (config.cache as boolean | undefined) ?? true,
    watch: config.watch as boolean | undefined,
    control: control === false ? null : Object.freeze({ port: control === true ? 0 : ((control as { port?: number }).port ?? 0) }),
    source,
  });
}
