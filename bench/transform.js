// Child of bench/run.js: transform throughput in MB/s: cold (every source new,
// nothing cached), memory-cached (the same sources again in one process) and
// disk-cached (a second start: a new cache over the same directory). Prints JSON.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransformCache } from '../dist/loader/cache.js';
import { gameModule, median } from './support.js';

// Real ES modules from node_modules, plus the 5 KB game module: ~250 KB of source.
const root = new URL('../node_modules/', import.meta.url).pathname;
const candidates = ['uvu/dist/index.mjs', 'uvu/assert/index.mjs', 'uvu/diff/index.mjs', 'kleur/index.mjs', 'periscopic/src/index.js', 'zimmerframe/src/walk.js', 'diff/lib/index.es6.js', '@jridgewell/sourcemap-codec/dist/sourcemap-codec.mjs', '@jridgewell/trace-mapping/dist/trace-mapping.mjs', 'es-module-lexer/dist/lexer.js'];
const corpus = candidates
  .map((file) => join(root, file))
  .filter((file) => { try { return statSync(file).isFile(); } catch { return false; } })
  .map((file) => ({ url: `file://${file}`, source: readFileSync(file, 'utf8') }));
for (let i = 0; i < 10; i++) corpus.push({ url: `file:///bench/game${i}.js`, source: gameModule(i) });
const bytes = corpus.reduce((sum, { source }) => sum + Buffer.byteLength(source), 0);

const ROUNDS = 7;
const rate = (ms) => bytes / 1e6 / (ms / 1000);
const time = (fn) => { const start = performance.now(); fn(); return performance.now() - start; };
const cold = [];
const memory = [];
const disk = [];
for (let round = 0; round < ROUNDS + 1; round++) {
  const dir = mkdtempSync(join(tmpdir(), 'hot-bench-cache-'));
  try {
    const cache = new TransformCache(`round ${round}`);
    const sources = corpus.map(({ url, source }) => ({ url, source: `${source}\n// round ${round}\n` }));
    const options = { typescript: false, directory: dir };
    const c = time(() => { for (const { url, source } of sources) cache.transform(source, url, options); });
    const m = time(() => { for (const { url, source } of sources) cache.transform(source, url, options); });
    await cache.idle(); // entries are written in the background
    const again = new TransformCache(`round ${round}`);
    const d = time(() => { for (const { url, source } of sources) again.transform(source, url, options); });
    if (again.stats.diskHits !== corpus.length || readdirSync(dir).filter((f) => f.endsWith('.js')).length !== corpus.length) throw new Error('cache entries missing');
    if (round > 0) { cold.push(c); memory.push(m); disk.push(d); }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ files: corpus.length, bytes, cold: rate(median(cold)), memory: rate(median(memory)), disk: rate(median(disk)), coldMsPer5KB: median(cold) / (bytes / 5000) }));
