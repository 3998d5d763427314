// Heap retained per reload of a ~100 KB module (issue #13): 200 reloads, each of a changed source,
// heap sampled after gc at the start and at the end, in one process per variant:
//   hot    reload(file) through @hot/loader (run under `node --expose-gc --import @hot/loader`)
//   bare   `await import(url + '?v=N')` of the same module loaded plain: Node's floor, a module
//          record per version that is never freed
// Prints one JSON line: bytes per reload, and for hot what status() estimates old versions hold.
//
//   node bench/memory.js [hot|bare] [big|game] [reloads]     big: ~100 KB; game: the 5 KB game module
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gameModule, workDir } from './support.js';

const mode = process.argv[2] ?? 'hot';
const shape = process.argv[3] ?? 'big';
const RELOADS = Number(process.argv[4] ?? 200);
const WARMUP = 5;

/** ~100 KB in the shape of game code: the 5 KB game module, then functions and classes. */
export function bigModule(edit) {
  let text = gameModule(edit);
  for (let i = 1; text.length < 100_000; i++) {
    text += `
export function part${i}(list, k) {
  let total = ${edit};
  for (const item of list) {
    if (item.kind === 'a${i}') total += item.value * k;
    else if (item.kind === 'b${i}') total -= item.value / (k + 1);
    else total += String(item.name ?? '').length;
  }
  return { total, label: 'part ${i} of the generated module', when: Date.now() };
}
export class Thing${i} {
  constructor(x) { this.x = x; this.seen = []; }
  step(dt) { this.x += dt * ${i}; this.seen.push(this.x); return this.x; }
  get last() { return this.seen.at(-1); }
}
`;
  }
  return text;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
  const work = workDir();
  const source = shape === 'game' ? gameModule : bigModule;
  const file = work.path(`${mode === 'hot' ? 'hot' : 'plain'}/${shape}.js`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source(0));
  await import(pathToFileURL(file).href);
  const runtime = mode === 'hot' ? await import('@hot/loader/runtime') : null;
  const settled = async () => {
    for (let i = 0; i < 4; i++) {
      globalThis.gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.memoryUsage().heapUsed;
  };
  const step = async (n) => {
    writeFileSync(file, source(n));
    if (!runtime) return void (await import(`${pathToFileURL(file).href}?v=${n}`));
    const report = await runtime.reload(file);
    if (!report.ok) throw new Error(JSON.stringify(report.error));
  };
  for (let n = 1; n <= WARMUP; n++) await step(n);
  const before = await settled();
  const oldBefore = runtime ? runtime.status() : null;
  for (let n = WARMUP + 1; n <= WARMUP + RELOADS; n++) await step(n);
  const after = await settled();
  const result = { mode, shape, bytes: source(0).length, reloads: RELOADS, perReload: (after - before) / RELOADS };
  if (runtime) {
    const status = runtime.status();
    result.estimatePerReload = (status.oldVersionBytes - oldBefore.oldVersionBytes) / (status.oldVersions - oldBefore.oldVersions);
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}
