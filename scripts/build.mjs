// `npm run build`: type-check and emit declarations with tsc, then bundle each entry
// point into one file with esbuild.
//
// Why bundles: a user's process loads our code at every start, on two threads on
// Node 20. Loaded as ~17 separate ES modules, the runtime costs ~15 ms to import (every
// relative import is resolved, read and compiled on its own); as one file it costs ~6
// (bench/startup.js measures the whole start). Packages stay external: they are
// dependencies, loaded only when needed.
//
// Entries, and who loads them:
//   runtime/index.js     the runtime: `@hot/loader/runtime`, and the loader imports it
//   loader/index.js      the `--import` entry (main thread); imports ../runtime/index.js
//   control/fleet-agent.js   the fleet agent, imported by loader/index.js only when a fleet is configured
//   loader/hooks.js      in-thread hooks (Node >= 22.15), imported by loader/index.js
//   loader/thread.js     off-thread hooks (Node 20), registered by loader/index.js
//   transform/transform.js, transform/input-map.js   required lazily by the hooks
//   transform/index.js   `@hot/loader/transform`, the pure transform for tools
//   loader/cache.js, loader/maps.js, transform/scope.js   pieces alone, for tests and benchmarks
// The runtime must exist once per process, so loader/index.js imports it as a file
// (external), never as a bundled copy.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A short hash of the transform's sources (what a cached transform depends on). */
function transformHash() {
  const hash = createHash('sha256');
  for (const file of readdirSync(join(root, 'transform')).filter((name) => name.endsWith('.ts')).sort()) hash.update(file).update(readFileSync(join(root, 'transform', file)));
  return hash.digest('hex').slice(0, 12);
}
rmSync(join(root, 'dist'), { recursive: true, force: true });

const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--emitDeclarationOnly'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const entries = ['runtime/index', 'loader/index', 'control/fleet-agent', 'loader/hooks', 'loader/thread', 'transform/transform', 'transform/input-map', 'transform/index', 'loader/cache', 'loader/maps', 'transform/scope'];
const shared = {
  absWorkingDir: root,
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  // Files loaded at run time by path: kept as imports of the built entry, not copied in.
  plugins: [{
    name: 'entries-stay-external',
    setup(context) {
      context.onResolve({ filter: /^\.\.\/runtime\/index\.js$/ }, (args) => (args.importer.endsWith(join('loader', 'index.ts')) || args.importer.includes(`${sep}control${sep}`) ? { path: args.path, external: true } : undefined));
      context.onResolve({ filter: /^\.\.\/control\/fleet-agent\.js$/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
      context.onResolve({ filter: /^\.\/hooks\.js$/ }, (args) => (args.importer.endsWith(join('loader', 'index.ts')) && args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
    },
  }],
  // The loader needs its version (part of the cache key) without reading package.json at start.
  // A hash of the transform's sources goes with it: two builds of one version whose transform
  // differs (a working copy between releases) never share transform cache entries.
  define: { PACKAGE_VERSION: JSON.stringify(`${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}+${transformHash()}`) },
  logLevel: 'warning',
};
await build({ ...shared, entryPoints: entries.map((entry) => ({ in: `${entry}.ts`, out: entry })) });
// The `hot` command (package.json "bin"): one file, run directly, as CommonJS: an ES module
// as the main entry costs ~15 ms more at start (Node's ESM loader), and `hot reload` must
// answer within `node -e 0` + 30 ms (bench/cli.js).
await build({ ...shared, format: 'cjs', entryPoints: [{ in: 'cli/main.ts', out: 'cli/main' }], outExtension: { '.js': '.cjs' }, banner: { js: '#!/usr/bin/env node' } });
chmodSync(join(root, 'dist', 'cli', 'main.cjs'), 0o755);
