/**
 * Project config: the `hot` key of package.json, or hot.config.json beside it.
 * Read once at start-up, validated up front; a bad config stops the process with
 * a message that names the key, the value and what is allowed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HotError } from '../transform/errors.js';

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
}

/** The normalised, frozen config. */
export interface HotConfig {
  readonly root: string;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly data: 'auto' | 'keep' | 'replace';
  readonly quiet: boolean;
  readonly cache: boolean;
  /** Where the config came from, for messages. */
  readonly source: string;
}

const KEYS = ['include', 'exclude', 'data', 'quiet', 'cache'] as const;

/** The project root: the nearest directory at or above `cwd` with a package.json. */
export function findRoot(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

export function readConfig(cwd: string = process.cwd()): HotConfig {
  const root = findRoot(cwd);
  let input: unknown = {};
  let source = 'defaults';
  const file = join(root, 'hot.config.json');
  if (existsSync(file)) {
    source = file;
    input = parseJson(file);
  } else if (existsSync(join(root, 'package.json'))) {
    const pkg = parseJson(join(root, 'package.json')) as { hot?: unknown };
    if (pkg && typeof pkg === 'object' && pkg.hot !== undefined) {
      source = `${join(root, 'package.json')} ("hot" key)`;
      input = pkg.hot;
    }
  }
  return normalizeConfig(input, root, source);
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
  for (const key of ['quiet', 'cache'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'boolean') fail(`'${key}' must be true or false, got ${JSON.stringify(config[key])}`);
  }
  return Object.freeze({
    root,
    include: Object.freeze(globs('include', ['**'])),
    exclude: Object.freeze(globs('exclude', [])),
    data: data as HotConfig['data'],
    quiet: (config.quiet as boolean | undefined) ?? false,
    cache: (config.cache as boolean | undefined) ?? true,
    source,
  });
}
