// Start-up of two builds of @hot/loader side by side, in the same run: this checkout and
// another (a worktree of an earlier commit, built: `git worktree add ../base <rev> && cd
// ../base && npm ci && npm run build`). On a shared machine whose load moves a start-up ratio
// by ±0.5x from one run to the next, only such a comparison says what a change did.
//
//   node bench/startup-ab.js ../base              this Node; HOT_BENCH_PROCESSES rounds (6)
//   HOT_AB_RAW=1 node bench/startup-ab.js ../base each round's times on stderr (a load spike shows there)
//
// The 1000-module app of bench/startup-apps.js is written twice into a temp directory, each
// copy with node_modules/@hot/loader linked to one build. Each round runs plain, then per build
// a cold start (its cache removed) and a warm one, and the transform of the 1000 sources alone
// in a fresh process (a cold JIT, as at a cold start). Ratios are medians of per-round ratios to
// that round's plain run; "ready" is the app's performance.now() at its last statement, "exit"
// the whole process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeApps } from './startup-apps.js';
import { benchDir, median } from './support.js';

const other = process.argv[2] && resolve(process.argv[2]);
if (!other || !existsSync(join(other, 'dist', 'loader', 'index.js'))) {
  console.error('usage: node bench/startup-ab.js <another checkout of @hot/loader, built (dist/)>');
  process.exit(2);
}
const ROUNDS = Number(process.env.HOT_BENCH_PROCESSES ?? 6);
const builds = { before: other, after: resolve(benchDir, '..') };
const work = mkdtempSync(join(tmpdir(), 'hot-bench-ab-'));
process.once('exit', () => rmSync(work, { recursive: true, force: true }));

for (const [name, root] of Object.entries(builds)) {
  writeApps(join(work, name));
  const app = join(work, name, 'thousand');
  mkdirSync(join(app, 'node_modules', '@hot'), { recursive: true });
  symlinkSync(root, join(app, 'node_modules', '@hot', 'loader'), 'dir');
  writeFileSync(join(app, 'transform-all.mjs'), `import { readdirSync, readFileSync } from 'node:fs';
const { transform } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'transform', 'index.js')).href)});
const files = readdirSync('m').map((f) => [new URL('m/' + f, import.meta.url).href, readFileSync('m/' + f, 'utf8')]);
const start = performance.now();
for (const [url, source] of files) transform(source, url, { inlineSourceMap: false });
console.log(performance.now() - start);
`);
}

function run(cwd, args) {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, HOT_QUIET: '1', HOT_CONTROL: '0', HOT_WATCH: '0' }, maxBuffer: 1 << 24 });
  const exit = performance.now() - start;
  if (result.status !== 0) throw new Error(`${args.join(' ')} in ${cwd} failed:\n${result.stderr}`);
  const last = result.stdout.trim().split('\n').pop();
  return { exit, ready: last.startsWith('{') ? JSON.parse(last).readyMs : Number(last) };
}

const rows = { before: [], after: [] };
for (let round = 0; round <= ROUNDS; round++) {
  const plain = run(join(work, 'after', 'thousand'), ['app.js']);
  for (const [name] of Object.entries(builds)) {
    const app = join(work, name, 'thousand');
    rmSync(join(app, 'node_modules', '.cache'), { recursive: true, force: true });
    const cold = run(app, ['--import', '@hot/loader', 'app.js']);
    const warm = run(app, ['--import', '@hot/loader', 'app.js']);
    const transform = run(app, ['transform-all.mjs']).ready;
    if (process.env.HOT_AB_RAW) console.error(round, name, JSON.stringify({ plain, cold, warm, transform }));
    if (round > 0) rows[name].push({ plain, cold, warm, transform }); // round 0 warms the disk cache
  }
}

const ratio = (list, variant, measure) => median(list.map((r) => r[variant][measure] / r.plain[measure])).toFixed(2) + 'x';
const line = (cells) => `| ${cells.join(' | ')} |`;
console.log(`start-up of the ${readdirSync(join(work, 'after', 'thousand', 'm')).length}-module app, Node ${process.version}, ${ROUNDS} rounds: before = ${other}, after = this checkout\n`);
console.log(line(['measure', 'before', 'after']));
console.log(line(['---', '---', '---']));
for (const [variant, measure] of [['cold', 'ready'], ['cold', 'exit'], ['warm', 'ready'], ['warm', 'exit']]) {
  console.log(line([`${variant}, ${measure} (ratio to plain)`, ratio(rows.before, variant, measure), ratio(rows.after, variant, measure)]));
}
const ms = (list) => `${(median(list.map((r) => r.transform)) / 1000).toFixed(2)} s`;
console.log(line(['the 1000 transforms alone, a fresh process', ms(rows.before), ms(rows.after)]));
console.log(line(['plain, ready / exit (ms)', `${median(rows.after.map((r) => r.plain.ready)).toFixed(0)} / ${median(rows.after.map((r) => r.plain.exit)).toFixed(0)}`, '']));
