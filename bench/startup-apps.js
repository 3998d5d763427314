// Apps for bench/startup.js, written into a directory of their own (each with a
// package.json `{ "type": "module" }`), all deterministic:
//
//   two       app.js imports ./lib.js, calls a function, prints, exits
//   thousand  1000 modules of 3-5 KB (a class, functions, data, 2-3 imports of later
//             siblings: acyclic) and an entry that imports every root, ~4 MB
//   heavy     lodash-es, date-fns and rxjs through their full entry points
//
// Every app's last line of output is `{"maxRSS":<KB>,"readyMs":<ms>}` (peak RSS, getrusage;
// performance.now() at the app's last statement: how long the process took to be ready, which
// for a server is its start-up), read by the bench; the lines before it are the app's result,
// the same in every variant.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RSS_LINE = 'console.log(JSON.stringify({ maxRSS: process.resourceUsage().maxRSS, readyMs: performance.now() }));\n';
export const MODULES = 1000;

/** mulberry32: a small seeded PRNG, so every run writes the same 4 MB. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const depth = (i) => i % 3 === 0; // a third of the modules call into their imports
const name = (i) => `m${String(i).padStart(4, '0')}`;
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

/** Module i of the 1000-module app, and the indices it imports (2-3 of i+1..i+10). */
function thousandModule(i, rand) {
  const pool = Array.from({ length: 10 }, (_, k) => i + 1 + k).filter((j) => j < MODULES);
  const imports = [];
  for (let want = 2 + Math.floor(rand() * 2); imports.length < want && pool.length; ) imports.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  imports.sort((a, b) => a - b);
  const word = () => WORDS[Math.floor(rand() * WORDS.length)];
  const n = (scale = 100) => Math.floor(rand() * scale);
  const L = [`// Generated module ${i} of ${MODULES} (bench/startup-apps.js).`];
  for (const j of imports) L.push(`import { Model${j}, score${j}, TABLE${j} } from './${name(j)}.js';`);
  L.push('');
  const rows = 14 + n(14);
  L.push(`export const TABLE${i} = {`);
  for (let r = 0; r < rows; r++) L.push(`  ${word()}${r}: { weight: ${n(50) + 1}, limit: ${n(1000)}, label: '${word()} ${word()} ${r}', enabled: ${rand() < 0.7} },`);
  L.push('};', '');
  L.push(`export const LIMITS${i} = new Map([`);
  for (let r = 0; r < 6; r++) L.push(`  ['${word()}-${r}', { min: ${n(10)}, max: ${10 + n(90)} }],`);
  L.push(']);', '');
  L.push(`const cache${i} = new Map();`, `let created${i} = 0;`, '');
  L.push(
    `export class Model${i} {`,
    `  constructor(id, values = []) {`,
    `    this.id = id;`,
    `    this.values = values.slice();`,
    `    this.created = ++created${i};`,
    `    this.tags = new Set(['${word()}', '${word()}']);`,
    `  }`,
    `  get total() {`,
    `    let sum = 0;`,
    `    for (const value of this.values) sum += value;`,
    `    return sum;`,
    `  }`,
    `  add(value) {`,
    `    this.values.push(value * ${1 + n(5)});`,
    `    cache${i}.delete(this.id);`,
    `    return this;`,
    `  }`,
    `  weigh(table = TABLE${i}) {`,
    `    let weight = 0;`,
    `    for (const entry of Object.values(table)) if (entry.enabled) weight += entry.weight * this.values.length;`,
    `    return weight;`,
    `  }`,
    `  describe() {`,
    `    return \`Model${i}#\${this.id} (\${this.values.length} values, total \${this.total}, tags \${[...this.tags].join(',')})\`;`,
    `  }`,
    `  static from(id, count) {`,
    `    const model = new Model${i}(id);`,
    `    for (let k = 0; k < count; k++) model.add(k);`,
    `    return model;`,
    `  }`,
    `}`,
    '',
  );
  L.push(`export function score${i}(depth = 0) {`, `  if (cache${i}.has(depth)) return cache${i}.get(depth);`, `  let result = Model${i}.from(depth, ${2 + n(4)}).total;`);
  if (depth(i)) for (const j of imports) L.push(`  if (depth < 2) result += score${j}(depth + 1) % ${7 + n(20)};`);
  L.push(`  cache${i}.set(depth, result);`, `  return result;`, `}`, '');
  L.push(
    `export function limitFor${i}(key) {`,
    `  const limit = LIMITS${i}.get(key);`,
    `  return limit ? limit.max - limit.min : 0;`,
    `}`,
    '',
    `export function merge${i}(...tables) {`,
    `  const merged = { ...TABLE${i} };`,
    `  for (const table of tables) for (const [key, value] of Object.entries(table)) merged[key] = { ...merged[key], ...value };`,
    `  return merged;`,
    `}`,
    '',
    `export function summary${i}() {`,
    `  const parts = [Model${i}.from(${i}, 3).describe()];`,
  );
  for (const j of imports) L.push(`  parts.push(new Model${j}(${j}).describe(), String(Object.keys(TABLE${j}).length));`);
  L.push(`  return parts.join('; ');`, `}`, '');
  L.push(`export const READY${i} = Object.keys(TABLE${i}).length + LIMITS${i}.size;`, '');
  return { text: L.join('\n'), imports };
}

export function writeApps(dir) {
  const write = (file, text) => writeFileSync(join(dir, file), text);
  for (const app of ['two', 'thousand', 'thousand/m', 'heavy']) mkdirSync(join(dir, app), { recursive: true });
  for (const app of ['two', 'thousand', 'heavy']) write(`${app}/package.json`, JSON.stringify({ name: `bench-${app}`, private: true, type: 'module' }, null, 2) + '\n');

  write('two/lib.js', 'export function greet(name) {\n  return `hello, ${name}`;\n}\n');
  write('two/app.js', `import { greet } from './lib.js';\nconsole.log(greet('world'));\n${RSS_LINE}`);

  const rand = random(5);
  const imported = new Set();
  let bytes = 0;
  for (let i = 0; i < MODULES; i++) {
    const { text, imports } = thousandModule(i, rand);
    for (const j of imports) imported.add(j);
    write(`thousand/m/${name(i)}.js`, text);
    bytes += Buffer.byteLength(text);
  }
  const roots = Array.from({ length: MODULES }, (_, i) => i).filter((i) => !imported.has(i));
  write(
    'thousand/app.js',
    roots.map((i) => `import { score${i}, READY${i} } from './m/${name(i)}.js';`).join('\n') +
      `\nlet total = 0;\n${roots.map((i) => `total += score${i}() + READY${i};`).join('\n')}\nconsole.log(\`${MODULES} modules, ${roots.length} roots, total \${total}\`);\n${RSS_LINE}`,
  );

  write(
    'heavy/app.js',
    [
      "import * as _ from 'lodash-es';",
      "import * as dates from 'date-fns';",
      "import * as rx from 'rxjs';",
      "const groups = _.groupBy(_.range(20), (n) => n % 3);",
      "const day = dates.format(dates.addDays(new Date(Date.UTC(2026, 0, 1, 12)), 40), 'yyyy-MM-dd');",
      'let sum = 0;',
      'rx.from([1, 2, 3, 4]).pipe(rx.map((n) => n * 2), rx.filter((n) => n > 2)).subscribe((n) => (sum += n));',
      "console.log(`lodash ${Object.keys(_).length} exports, ${_.size(groups)} groups; date-fns ${Object.keys(dates).length} exports, ${day}; rxjs ${Object.keys(rx).length} exports, sum ${sum}`);",
      RSS_LINE,
    ].join('\n'),
  );
  return { thousandBytes: bytes, roots: roots.length };
}
