// Start-up cost, measured as a user meets it: this package packed (`npm pack`, whose
// prepack builds dist) and installed from the tarball into a throw-away directory
// outside the repository, next to the named peers (tsx, dynohot) and a heavy
// third-party ES module graph (lodash-es, date-fns, rxjs). Apps from startup-apps.js.
//
//   node bench/startup.js                  this Node, and HOT_BENCH_NODES (comma-separated)
//   HOT_BENCH_PROCESSES=5                   rounds (processes per variant; medians over them)
//
// Wall time is the whole process, spawn to exit. Within a round the variants run one
// after another (plain, hot cold, hot warm, tsx, dynohot), so noise hits all alike;
// the ratio and the extra ms are medians of the per-round ratios and differences to
// that round's plain run. One untimed round first warms the disk cache and the peers'.
// `bench/run.js` calls startupBench() once and tables(node) per Node binary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MODULES, writeApps } from './startup-apps.js';
import { benchDir, median } from './support.js';

const root = join(benchDir, '..');
const ROUNDS = Number(process.env.HOT_BENCH_PROCESSES ?? 5);
const TIMEOUT = 120_000;

const VARIANTS = {
  plain: [],
  // Node's own floor for any loader: no-op resolve and load hooks, registered the way
  // @hot/loader registers its own (module.registerHooks where it exists, else module.register).
  'no-op hooks': null,
  'hot cold': ['--import', '@hot/loader'],
  'hot warm': ['--import', '@hot/loader'],
  // The same without the control endpoint and the watcher: what they cost a start.
  'hot warm, no control or watch': ['--import', '@hot/loader'],
  tsx: ['--import', 'tsx'],
  dynohot: ['--import', 'dynohot'], // dynohot's README: `--import dynohot` (its default ignores node_modules)
};
const PEERS = new Set(['tsx', 'dynohot']);
const VARIANT_ENV = { 'hot warm, no control or watch': { HOT_CONTROL: '0', HOT_WATCH: '0' } };

/**
 * The issue's goals: `extra` is ms over plain, `ratio` a multiple of plain; `nodes`
 * the Node majors the goal holds for (a Node 24 goal holds for later Nodes too).
 */
const NODE_20 = [20, 20];
const NODE_24 = [24, Infinity];
const GOALS = {
  two: [
    { variant: 'hot warm', extra: 60, nodes: NODE_20, label: 'warm ≤ plain + 60 ms (Node 20)' },
    { variant: 'hot warm', extra: 20, nodes: NODE_24, label: 'warm ≤ plain + 20 ms (Node 24)' },
    { variant: 'hot cold', extra: 200, nodes: NODE_20, label: 'cold ≤ plain + 200 ms (Node 20)' },
    { variant: 'hot cold', extra: 120, nodes: NODE_24, label: 'cold ≤ plain + 120 ms (Node 24)' },
  ],
  thousand: [
    { variant: 'hot cold', ratio: 1.5, nodes: NODE_24, label: 'cold ≤ 1.5x plain (Node 24)' },
    { variant: 'hot warm', ratio: 1.1, nodes: NODE_24, label: 'warm ≤ 1.1x plain (Node 24)' },
  ],
  heavy: [{ variant: 'hot warm', ratio: 1.05, nodes: [22, Infinity], label: 'hot warm ≤ 1.05x plain (Node 22+)' }],
};

const APPS = [
  { app: 'two', title: 'two-module app (app.js imports ./lib.js, prints, exits)', variants: Object.keys(VARIANTS) },
  { app: 'thousand', title: null, variants: Object.keys(VARIANTS) },
  { app: 'heavy', title: 'heavy third-party graph, not hot (lodash-es, date-fns, rxjs full entry points; only the 10-line entry is project code)', variants: ['plain', 'no-op hooks', 'hot warm', 'tsx', 'dynohot'] },
];

const fmt = (n, digits = 2) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(digits));
const signed = (n, digits) => `${n >= 0 ? '+' : ''}${fmt(n, digits)}`;
const table = (head, rows) => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
};

function sh(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  return result.stdout;
}

/** The first line of a failed run's stderr that names an error, else its first line. */
const firstError = (stderr) => {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /^[\w$.]*(Error|Exception)\b/.test(l)) ?? lines[0] ?? 'no output').slice(0, 120);
};

/** Every `node_modules/.cache/hot-loader` under `dir` (not descending into installed packages). */
function transformCaches(dir, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (entry.name === 'node_modules') {
      const cache = join(dir, entry.name, '.cache', 'hot-loader');
      if (existsSync(cache)) found.push(cache);
    } else transformCaches(join(dir, entry.name), found);
  }
  return found;
}

/**
 * Packs and installs once, writes the apps; `tables(node)` measures on one Node
 * binary and returns its markdown; `close()` removes the directory (also at exit).
 */
export function startupBench({ rounds = ROUNDS } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hot-bench-startup-'));
  const close = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', close);
  try {
    mkdirSync(join(dir, 'pack'));
    sh('npm', ['pack', '--silent', '--pack-destination', join(dir, 'pack')], root);
    const tarball = readdirSync(join(dir, 'pack')).find((f) => f.endsWith('.tgz'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'hot-bench-startup', private: true }) + '\n');
    sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, 'pack', tarball), 'tsx', 'dynohot', 'lodash-es', 'date-fns', 'rxjs'], dir);
  } catch (error) {
    close();
    throw error;
  }
  const { thousandBytes, roots } = writeApps(dir);
  const noop = join(dir, 'noop-hooks.mjs');
  writeFileSync(noop, `import module from 'node:module';
if (module.registerHooks) module.registerHooks({ resolve: (s, c, next) => next(s, c), load: (u, c, next) => next(u, c) });
else module.register('data:text/javascript,' + encodeURIComponent('export const resolve = (s, c, next) => next(s, c); export const load = (u, c, next) => next(u, c);'));
`);
  VARIANTS['no-op hooks'] = ['--import', pathToFileURL(noop).href];
  APPS[1].title = `${MODULES}-module app (${(thousandBytes / 1e6).toFixed(1)} MB, a class, functions and data per module, 2-3 sibling imports each; the entry imports ${roots} roots)`;
  const version = (pkg) => JSON.parse(sh(process.execPath, ['-p', `JSON.stringify(require('./node_modules/${pkg}/package.json').version)`], dir));
  const installed = ['@hot/loader', 'tsx', 'dynohot', 'lodash-es', 'date-fns', 'rxjs'].map((pkg) => `${pkg} ${version(pkg)}`).join(', ');

  /** One process: wall ms and peak RSS (KB), or { error } (the first line of its stderr). */
  function run(node, app, variant) {
    if (variant === 'hot cold') for (const cache of transformCaches(dir)) rmSync(cache, { recursive: true, force: true });
    const start = performance.now();
    const result = spawnSync(node, [...VARIANTS[variant], 'app.js'], { cwd: join(dir, app), encoding: 'utf8', timeout: TIMEOUT, maxBuffer: 1 << 24, env: { ...process.env, HOT_QUIET: '1', ...VARIANT_ENV[variant] } });
    const ms = performance.now() - start;
    const lines = result.stdout?.trim().split('\n') ?? [];
    if (result.status !== 0 || !lines.at(-1)?.startsWith('{"maxRSS"')) {
      const why = result.error?.code === 'ETIMEDOUT' ? `timed out after ${TIMEOUT / 1000} s` : firstError(result.stderr ?? '');
      if (PEERS.has(variant)) return { error: why };
      throw new Error(`${app} (${variant}) failed on ${node}: ${why}\n${result.stderr}`);
    }
    const last = JSON.parse(lines.at(-1));
    return { ms, ready: last.readyMs, rss: last.maxRSS, output: lines.slice(0, -1).join('\n') };
  }

  function measure(node, major, { app, title, variants }) {
    const samples = Object.fromEntries(variants.map((v) => [v, []]));
    const failed = {};
    for (let round = 0; round <= rounds; round++) {
      const results = {};
      for (const variant of variants) {
        if (failed[variant]) continue;
        const result = run(node, app, variant);
        if (result.error) failed[variant] = result.error;
        else if (variant !== 'plain' && result.output !== results.plain.output) {
          if (!PEERS.has(variant)) throw new Error(`${app} (${variant}) printed ${JSON.stringify(result.output)}, plain printed ${JSON.stringify(results.plain.output)}`);
          failed[variant] = `printed ${JSON.stringify(result.output.slice(0, 60))}, not what plain printed`;
        } else results[variant] = result;
      }
      if (round === 0) continue; // the untimed warm-up round
      for (const [variant, result] of Object.entries(results)) samples[variant].push({ ms: result.ms, ready: result.ready, rss: result.rss / 1024, plainMs: results.plain.ms, plainReady: results.plain.ready, plainRss: results.plain.rss / 1024 });
    }
    // The caches the cold runs wrote and the warm runs read.
    const caches = transformCaches(dir).map((cache) => `${relative(dir, cache)} (${readdirSync(cache, { recursive: true }).length} entries)`);
    if (variants.includes('hot cold') && !caches.length) throw new Error(`no node_modules/.cache/hot-loader under ${dir} after runs with @hot/loader`);
    const stats = {};
    const rows = variants.map((variant) => {
      if (failed[variant]) return [variant, `failed: ${failed[variant]}`, '', '', '', '', '', ''];
      const s = samples[variant];
      const st = (stats[variant] = {
        ms: median(s.map((x) => x.ms)),
        ratio: median(s.map((x) => x.ms / x.plainMs)),
        extra: median(s.map((x) => x.ms - x.plainMs)),
        rss: median(s.map((x) => x.rss)),
        extraRss: median(s.map((x) => x.rss - x.plainRss)),
        ready: median(s.map((x) => x.ready)),
        readyRatio: median(s.map((x) => x.ready / x.plainReady)),
      });
      return variant === 'plain'
        ? [variant, fmt(st.ms, 1), '1.00x', '', fmt(st.ready, 1), '1.00x', fmt(st.rss, 1), '']
        : [variant, fmt(st.ms, 1), `${st.ratio.toFixed(2)}x`, signed(st.extra, 1), fmt(st.ready, 1), `${st.readyRatio.toFixed(2)}x`, fmt(st.rss, 1), signed(st.extraRss, 1)];
    });
    const stated = GOALS[app].filter(({ nodes: [min, max] }) => major >= min && major <= max);
    const goals = stated.map((goal) => {
      const st = stats[goal.variant];
      if (!st) return `${goal.label}: not measured`;
      const met = goal.extra !== undefined ? st.extra <= goal.extra : st.ratio <= goal.ratio;
      return `${goal.label}: ${met ? 'met' : 'MISSED'} (${goal.extra !== undefined ? `${signed(st.extra, 1)} ms` : `${st.ratio.toFixed(2)}x`})`;
    });
    if (!goals.length) goals.push(`none stated for Node ${major} (${GOALS[app].map((goal) => goal.label).join('; ')})`);
    const note = variants.includes('hot cold') ? `\ntransform caches on disk (the cold run empties them, the warm runs read them): ${caches.join(', ')}` : '';
    return `${title}\n\n${table(['variant', 'wall ms (median)', 'ratio to plain', 'extra ms', 'ready ms', 'ready ratio', 'RSS MB', 'extra RSS MB'], rows)}\n\ngoals (issue #5): ${goals.join('; ')}${note}`;
  }

  function tables(node) {
    const major = Number(sh(node, ['-p', 'process.versions.node'], dir).split('.')[0]);
    const out = [
      `start-up: wall ms of the whole process (spawn to exit), ready ms (performance.now() at the app's last statement: a server is up then, while the process exit also waits for the transform cache's writes) and peak RSS (process.resourceUsage().maxRSS), medians of ${rounds} rounds after an untimed one;\n` +
        "variants interleaved in each round; ratio and extra are medians of per-round comparisons with that round's plain run.\n" +
        '"no-op hooks": resolve and load hooks that only call next(), registered as @hot/loader registers its own: what Node charges any loader. ' +
        '"hot cold": every node_modules/.cache/hot-loader removed before the run; "hot warm": right after it, reading the cache it wrote. ' +
        `tsx keeps its own cache (in ${tmpdir()}) and runs warm.\nInstalled from the packed tarball: ${installed}.`,
    ];
    for (const app of APPS) out.push(measure(node, major, app));
    return out.join('\n\n');
  }

  return { tables, close };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const nodes = [process.execPath, ...(process.env.HOT_BENCH_NODES ?? '').split(',').filter(Boolean)];
  const bench = startupBench();
  try {
    for (const node of nodes) {
      const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
      console.log(`\n## Node ${version}: start-up (${ROUNDS} rounds, medians)\n`);
      console.log(bench.tables(node));
    }
  } finally {
    bench.close();
  }
}
