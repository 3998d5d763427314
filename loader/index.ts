/**
 * `node --import @hot/loader app.js`: makes every project module hot.
 *
 * Order of work matters: source maps first (maps are honoured only for modules
 * loaded after they are enabled), then the runtime (transformed modules enter it
 * from their first line), then the hooks.
 */
import { ProjectConfigs } from './config.js';
import type { ThreadData } from './thread.js';
import type { Hub } from '../runtime/hub.js';
import * as runtime from '../runtime/index.js';
import { ControlEndpoint, type ControlRuntime } from '../control/endpoint.js';
import { HotWatcher } from '../control/watcher.js';
import { whenReady } from '../control/ready.js';
import { fleetSettings, type FleetSettings } from '../control/fleet-protocol.js';
import { RUNTIME_KEY } from '../transform/names.js';
import { removeSessionMaps } from './maps.js';
// Builtins through process.getBuiltinModule, not `import`: an ES import of node:fs or
// node:crypto evaluates their lazy getters (streams, webcrypto), ~10 ms each at start.
const module = process.getBuiltinModule('node:module');
const { realpathSync, statSync } = process.getBuiltinModule('node:fs');
const { dirname, join } = process.getBuiltinModule('node:path');
const { fileURLToPath } = process.getBuiltinModule('node:url');

/** How long after start the control endpoint opens and the watcher starts (see below). */
const START_DELAY_MS = 100;

/** The package's version, written in by the build (scripts/build.mjs). */
declare const PACKAGE_VERSION: string;

type ModuleApi = typeof module & {
  setSourceMapsSupport?: (enabled: boolean, options?: object) => void;
  registerHooks?: (hooks: object) => unknown;
};
const api = module as ModuleApi;

if (typeof api.setSourceMapsSupport === 'function') api.setSourceMapsSupport(true);
else process.setSourceMapsEnabled(true);

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packageVersion = PACKAGE_VERSION;

// The entry's project, not the working directory's, gives the process-wide settings
// (`cd elsewhere && node --import @hot/loader ../app/server.js` must behave the same).
// Each module then follows the config of its own nearest package.json (hooks.ts).
const entry = entryPath();
// `node --import @hot/loader .` names a directory (its package's main is the entry).
const entryDirectory = entry ? (statSync(entry).isDirectory() ? entry : dirname(entry)) : process.cwd();
const configs = new ProjectConfigs();
const entryRoot = configs.rootOf(entryDirectory);
const config = configs.configOfDirectory(entryDirectory);
// The runtime (a file of its own, shared with user code importing @hot/loader/runtime) made the hub.
const hub = (globalThis as unknown as Record<symbol, Hub>)[Symbol.for(RUNTIME_KEY)];
hub.configure({ quiet: config.quiet });

/**
 * Set once any module was found hot: by the in-thread hooks, or by the hooks thread writing
 * 1 into a shared word (no MessagePort: loading worker_threads costs ~4 ms at start).
 */
let sawHot = false;
const onHot = () => {
  sawHot = true;
};
const hotSeen = new Int32Array(new SharedArrayBuffer(4));

if (typeof api.registerHooks === 'function') {
  // Node >= 22.15: synchronous, in-thread hooks (module.register warns as deprecated on Node 26).
  // Loaded only here: on Node 20 the hooks live on their own thread (thread.ts) and the main thread needs none of it.
  const { LoaderHooks } = await import('./hooks.js');
  const hooks = new LoaderHooks(packageRoot, packageVersion, { onFirstHot: onHot, configs });
  type Next<T> = (specifierOrUrl: string, context: unknown) => T;
  type Context = { parentURL?: string };
  api.registerHooks({
    resolve: (specifier: string, context: Context, next: Next<{ url: string }>) =>
      hooks.resolveEarly(specifier) ?? hooks.resolveKnown(specifier, context.parentURL) ?? hooks.adjustResolved(hooks.remember(specifier, context.parentURL, next(specifier, context))),
    load: (url: string, context: unknown, next: Next<object>) => {
      const binding = hooks.bindingModule(url);
      if (binding) return binding;
      if (!hooks.isHot(url)) return next(url, context);
      // A reload batch read this version's source already: the module is what it planned, without reading the file again.
      const planned = hooks.plainJavaScript ? hub.sources.get(url) : undefined;
      return hooks.transformLoaded(url, planned === undefined ? (next(url, context) as never) : { format: 'module', source: planned });
    },
  });
} else {
  const data: ThreadData = { packageRoot, packageVersion, hotSeen };
  module.register(new URL('./thread.js', import.meta.url), { data });
  // The hooks thread's map directory (maps.ts) goes with the process: that thread gets no exit event.
  process.once('exit', removeSessionMaps);
}

// Nothing hot at all is almost always a setup mistake: say so once, with the root that was used.
// The hooks meet the entry's imports within milliseconds of start, so two seconds without
// a single hot module means there will be none.
const check = () => {
  if (sawHot || Atomics.load(hotSeen, 0) === 1 || hub.modules.size > 0) return;
  sawHot = true;
  const where = entry ? `${entry} belongs to ${entryRoot ?? 'no project (no package.json above it)'}` : `no entry file; the working directory belongs to ${entryRoot ?? 'no project'}`;
  process.stderr.write(
    `[hot] no module is hot: ${where}; config: ${config.source}, include ${JSON.stringify(config.include)}, exclude ${JSON.stringify(config.exclude)}. ` +
      'Only ES modules outside node_modules are made hot, each by the config of the nearest package.json above it.\n',
  );
};
setTimeout(check, 2000).unref();
process.once('beforeExit', check);

// The file watcher: reload on save. Off in production (NODE_ENV=production), where a deploy
// that has copied half its files must not reload them; `hot reload` is the way there.
// HOT_WATCH=0/1 and the config's `watch` decide over the default.
const watchSetting = process.env.HOT_WATCH === '1' ? true : process.env.HOT_WATCH === '0' ? false : config.watch;
const watchOn = watchSetting ?? process.env.NODE_ENV !== 'production';
const watchWhy = watchSetting === undefined ? (watchOn ? 'default' : 'NODE_ENV=production') : process.env.HOT_WATCH !== undefined ? `HOT_WATCH=${process.env.HOT_WATCH}` : `config watch: ${watchSetting}`;
let watcher: HotWatcher | null = null;
const runner = hub.runner as NonNullable<Hub['runner']>;

// The control endpoint (`hot reload`, `hot status`, …) and the watcher start on an unref'd
// timer, 100 ms in: a process that is done by then had no one to serve and no save to see,
// and does not pay for them (binding a port added 7-15 ms to the wall time of a script that
// ends at once, measured on Node 20 and 24: loading node:net, the address lookup, waiting for
// it at exit). Neither keeps the process alive; their failures are logged. What they set up
// belongs to no top-level statement of the host (a statement that awaits keeps its window
// open, and would release them when it runs again): hub.detached.
// HOT_CONTROL=1 (set by `hot check` for its child) opens it whatever the config says.
const controlOn = process.env.HOT_CONTROL === '1' || (config.control && process.env.HOT_CONTROL !== '0');
// The fleet (README, "Fleet"): joins over Redis when the entry's project (or HOT_FLEET_URL) names one.
let fleet: FleetSettings | null = null;
try {
  fleet = fleetSettings(config);
} catch (error) {
  process.stderr.write(`[hot] fleet: not joined: ${(error as Error)?.message ?? error}\n`);
}
if (controlOn || watchOn || fleet) {
  setTimeout(() => hub.detached(() => {
    if (watchOn) {
      try {
        watcher = new HotWatcher({
          runtime: {
            files: () => [...hub.modules.values()].map((module) => module.file),
            onModule: (listener) => {
              hub.moduleListeners.add(listener);
              return () => void hub.moduleListeners.delete(listener);
            },
            changed: (files) => runner.changed(files),
            reload: (files) => runtime.reload(files),
            detached: (run) => hub.detached(run),
          },
        });
      } catch (error) {
        process.stderr.write(`[hot] watch: not started: ${(error as Error)?.message ?? error}\n`);
      }
    }
    // The runtime's API, with the endpoint's and the fleet's report listeners kept apart from the game's.
    const control: ControlRuntime = {
      reload: runtime.reload,
      reloadAll: runtime.reloadAll,
      rollback: runtime.rollback,
      hotfix: runtime.hotfix,
      status: runtime.status,
      onReload: (listener) => {
        hub.listeners.add(listener);
        return () => void hub.listeners.delete(listener);
      },
      detached: (run) => hub.detached(run),
      watching: () => ({ ...(watcher?.status() ?? { on: false, files: 0, directories: 0, paths: [] }), why: watchWhy }),
      check: (options) => runtime.checkReloadSafety(options),
      whenReady: (mode) => whenReady(mode, {
        lastLoad: () => hub.lastLoad,
        readyAt: () => hub.readyAt,
        onReady: (listener) => void hub.readyListeners.add(listener),
      }),
    };
    if (controlOn) {
      try {
        new ControlEndpoint({ runtime: control, root: entryRoot ?? entryDirectory, entry, loader: packageVersion, port: (config.control as { port: number }).port });
      } catch (error) {
        process.stderr.write(`[hot] control endpoint: not started: ${(error as Error)?.message ?? error}\n`);
      }
    }
    if (fleet) {
      // Loaded (with @redis/client) only here: a process without a fleet never pays for it.
      const settings = fleet;
      import('../control/fleet-agent.js').then(
        ({ FleetAgent }) => {
          try {
            hub.detached(() => new FleetAgent({ settings, runtime: control, root: entryRoot ?? entryDirectory, entry, loader: packageVersion }));
          } catch (error) {
            process.stderr.write(`[hot] fleet: not joined: ${(error as Error)?.message ?? error}\n`);
          }
        },
        (error) => process.stderr.write(`[hot] fleet: not joined: cannot load the fleet agent: ${(error as Error)?.message ?? error}\n`),
      );
    }
  }), START_DELAY_MS).unref();
}

// Started by `hot check` (cli/check.ts): exit when the check's process is gone, however it
// ended, so no app outlives the check that started it.
const checkParent = Number(process.env.HOT_CHECK_PARENT);
if (Number.isSafeInteger(checkParent) && checkParent > 0) {
  setInterval(() => {
    if (process.ppid !== checkParent) process.exit(3);
  }, 250).unref();
}

/** The entry file Node was asked to run (`node --import @hot/loader app.js`), or null (REPL, `-e`). */
function entryPath(): string | null {
  const main = process.argv[1];
  if (!main || process.execArgv.some((flag) => /^(?:-e|--eval|-p|--print)(?:=|$)/.test(flag))) return null;
  try {
    return realpathSync(main);
  } catch {
    return null;
  }
}
