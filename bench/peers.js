// Child of bench/run.js: the same operations under a named peer, dynohot, in a
// throw-away project outside this package (dynohot makes every project module
// hot). The plain baseline is a CommonJS copy of the same code, which dynohot
// leaves alone, measured in the same process. A "reload" is dynohot's own: write
// the file, wait for its watcher to call the accept handler. Prints one JSON line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir } from './support.js';

const LIB = (version) => `export function add(a, b) { return a + b${version ? ` + ${version} * 0` : ''}; }
export class Entity {
  constructor(x) { this.x = x; this.y = 0; this.hp = 100${version ? ` + ${version} * 0` : ''}; }
  step(dt) { this.y += dt; return this.y; }
  get alive() { return this.hp > 0; }
}
`;
const PLAIN = LIB(0).replace(/export /g, '') + 'module.exports = { add, Entity };\n';
const MAIN = `import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { add, Entity } from './lib.js';
const plain = createRequire(import.meta.url)('./plain.cjs');
const LIB = ${LIB.toString()};
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const ns = (run, n = 3e6) => { run(n); const t = []; for (let r = 0; r < 7; r++) { const s = process.hrtime.bigint(); run(n); t.push(Number(process.hrtime.bigint() - s) / n); } return median(t); };
const make = (C) => Array.from({ length: 1024 }, (_, i) => new C(i));
const hotAll = make(Entity), plainAll = make(plain.Entity);
const hotE = hotAll[0], plainE = plainAll[0];
const cases = {
  'call': [(n) => { let s = 0; for (let i = 0; i < n; i++) s += add(i, 1); return s; }, (n) => { let s = 0; for (let i = 0; i < n; i++) s += plain.add(i, 1); return s; }],
  'method (old instance)': [(n) => { let s = 0; for (let i = 0; i < n; i++) s += hotE.step(1); return s; }, (n) => { let s = 0; for (let i = 0; i < n; i++) s += plainE.step(1); return s; }],
  'new': [(n) => { let l; for (let i = 0; i < n; i++) l = new Entity(i); return l.x; }, (n) => { let l; for (let i = 0; i < n; i++) l = new plain.Entity(i); return l.x; }],
  'instanceof': [(n) => { let s = 0; for (let i = 0; i < n; i++) if (hotAll[i & 1023] instanceof Entity) s++; return s; }, (n) => { let s = 0; for (let i = 0; i < n; i++) if (plainAll[i & 1023] instanceof plain.Entity) s++; return s; }],
};
const results = [];
const measure = (reloads) => { for (const [name, [hot, base]] of Object.entries(cases)) results.push({ reloads, name, plainNs: ns(base), hotNs: ns(hot), oldInstanceSeesNewClass: hotE instanceof Entity }); };
let waiter = null;
import.meta.hot.accept('./lib.js', () => { const w = waiter; waiter = null; w?.(); });
const latencies = [];
const reloadTo = async (version) => {
  const done = new Promise((resolve) => (waiter = resolve));
  const start = performance.now();
  writeFileSync(new URL('./lib.js', import.meta.url), LIB(version));
  await done;
  latencies.push(performance.now() - start);
};
setInterval(() => {}, 1000);
measure(0);
await new Promise((r) => setTimeout(r, 200));
await reloadTo(1);
measure(1);
for (let v = 2; v <= 20; v++) await reloadTo(v);
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ results, latency: { p50: latencies[latencies.length >> 1], p95: latencies[Math.floor(latencies.length * 0.95)] } }));
process.exit(0);
`;

export function runDynohot(node) {
  const dir = mkdtempSync(join(tmpdir(), 'hot-bench-dynohot-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(dir, 'lib.js'), LIB(0));
    writeFileSync(join(dir, 'plain.cjs'), PLAIN);
    writeFileSync(join(dir, 'main.js'), MAIN);
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(benchDir, '..', 'node_modules', 'dynohot'), join(dir, 'node_modules', 'dynohot'), 'dir');
    const result = spawnSync(node, ['--no-warnings', '--import', 'dynohot', 'main.js'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0) return { error: (result.stderr || `exit ${result.status}`).trim().split('\n').slice(-3).join(' ') };
    return JSON.parse(result.stdout.trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
