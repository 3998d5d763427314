/**
 * `node --import @hot/loader app.js`: makes every project module hot.
 *
 * Order of work matters: source maps first (maps are honoured only for modules
 * loaded after they are enabled), then the runtime (transformed modules enter it
 * from their first line), then the hooks.
 */
import module from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig } from './config.js';
import { LoaderHooks } from './hooks.js';
import type { ThreadData } from './thread.js';
import { hub } from '../runtime/hub.js';
import '../runtime/index.js';

type ModuleApi = typeof module & {
  setSourceMapsSupport?: (enabled: boolean, options?: object) => void;
  registerHooks?: (hooks: object) => unknown;
};
const api = module as ModuleApi;

if (typeof api.setSourceMapsSupport === 'function') api.setSourceMapsSupport(true);
else process.setSourceMapsEnabled(true);

const config = readConfig();
hub().configure({ data: config.data, quiet: config.quiet });

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packageVersion = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

if (typeof api.registerHooks === 'function') {
  // Node >= 22.15: synchronous, in-thread hooks (module.register warns as deprecated on Node 26).
  const hooks = new LoaderHooks(config, packageRoot, packageVersion);
  type Next<T> = (specifierOrUrl: string, context: unknown) => T;
  api.registerHooks({
    resolve: (specifier: string, context: unknown, next: Next<{ url: string }>) => hooks.resolveEarly(specifier) ?? hooks.adjustResolved(next(specifier, context)),
    load: (url: string, context: unknown, next: Next<object>) => (hooks.isHot(url) ? hooks.transformLoaded(url, next(url, context) as never) : next(url, context)),
  });
} else {
  const data: ThreadData = { config, packageRoot, packageVersion };
  module.register(new URL('./thread.js', import.meta.url), { data });
}
