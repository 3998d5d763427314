// Shared helpers for the design micro-benchmarks (bench/design/*.mjs).
// Each bench script runs ONE variant per process and prints JSON lines
// {bench, variant, phase, case, ns} on stdout; run.mjs spawns the processes
// and prints medians. Generated modules go to a fresh temp dir so every
// variant gets its own function literals (own feedback vectors).
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const dir = mkdtempSync(join(tmpdir(), 'hot-design-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
/** Write `src` to a new temp .mjs and import it (query string makes each import a new module record). */
export async function loadModule(name, src, q = seq++) {
  const file = join(dir, name + '.mjs');
  writeFileSync(file, src);
  return import(pathToFileURL(file).href + '?v=' + q);
}
/** Write a module once; `importVersion(file, n)` evaluates it afresh (new closures, new SFIs). */
export function writeModule(name, src) {
  const file = join(dir, name + '.mjs');
  writeFileSync(file, src);
  return pathToFileURL(file).href;
}
export const importVersion = (href, n) => import(href + '?v=' + n);

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length & 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

let sink = 0;
export const getSink = () => sink;
function time(loop, n) {
  const t0 = process.hrtime.bigint();
  sink = (sink + (loop(n) | 0)) | 0;
  return Number(process.hrtime.bigint() - t0) / n;
}

/**
 * Measure several loops interleaved (baseline and variant in the same process,
 * alternating), after warm-up. Each loop(n) performs n operations and returns a
 * number. Returns { name: median ns/op }.
 */
export function measure(loops, n, reps = 7) {
  const names = Object.keys(loops);
  for (const k of names) { loops[k](n); loops[k](n); }
  const r = Object.fromEntries(names.map((k) => [k, []]));
  for (let i = 0; i < reps; i++) for (const k of names) r[k].push(time(loops[k], n));
  return Object.fromEntries(names.map((k) => [k, median(r[k])]));
}

export function emit(bench, variant, phase, results) {
  for (const [c, ns] of Object.entries(results)) {
    process.stdout.write(JSON.stringify({ bench, variant, phase, case: c, ns: +ns.toFixed(3) }) + '\n');
  }
}
