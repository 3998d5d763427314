// Loader tests: real `node --import @hot/loader` processes in throw-away projects,
// asserting exit status and output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { project, nodeVersion } from './support/project.js';

const [major, minor] = nodeVersion();
const nativeTypeScript = major > 22 || (major === 22 && minor >= 18);
const IMPORT = ['--import', '@hot/loader'];

test('project modules are hot; node_modules and non-module files are untouched', () => {
  const p = project({
    'app.js': `import { kind } from './lib.js';\nimport { kind as dep } from 'dep';\nimport cjs from './old.cjs';\nconsole.log(kind, dep, cjs);`,
    'lib.js': 'export const kind = typeof import.meta.hot;',
    'old.cjs': 'module.exports = typeof __hot;',
    'node_modules/dep/package.json': JSON.stringify({ name: 'dep', type: 'module', exports: './index.js' }),
    'node_modules/dep/index.js': 'export const kind = typeof import.meta.hot;',
  });
  try {
    const result = p.run([...IMPORT, 'app.js']);
    assert.is(result.stderr, '');
    assert.is(result.stdout.trim(), 'object undefined undefined');
    assert.is(result.status, 0);
  } finally {
    p.remove();
  }
});

test('stack traces point at the original line and column (source maps on before user code)', () => {
  const p = project({
    'app.js': `import { EventEmitter } from 'node:events';
import { fail, register } from './lib.js';
try { fail(); } catch (error) { console.log(error.stack.split('\\n')[1].trim()); }
const emitter = new EventEmitter();
register(emitter);
try { emitter.emit('x', 1); } catch (error) { console.log(error.stack.split('\\n')[1].trim()); }`,
    // The nested handler is moved to the top of the transformed module: only the source map
    // gives its original line.
    'lib.js': `export let count = 0;\nexport function fail() {\n  count += 1;\n    throw new Error('here');\n}\nexport function register(emitter) {\n  emitter.on('x', (v) => {\n    throw new Error('nested ' + v);\n  });\n}\n`,
  });
  try {
    const expected = [`${p.path('lib.js')}:4:11`, `${p.path('lib.js')}:8:11`];
    const result = p.run([...IMPORT, 'app.js']);
    assert.is(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').map((line) => /\((.*)\)/.exec(line)?.[1]), expected);
    // The next start reads the transform from the cache, its map from a file beside it.
    const warm = p.run([...IMPORT, 'app.js']);
    assert.is(warm.status, 0, warm.stderr);
    assert.equal(warm.stdout.trim().split('\n').map((line) => /\((.*)\)/.exec(line)?.[1]), expected, 'a warm start maps stack traces too');
  } finally {
    p.remove();
  }
});

test('recursion reaches the depth it reaches plain: a module calling its own function costs one frame a call', () => {
  const p = project({
    'rec.js': `export let reached = 0;\nexport function depth(n) {\n  reached = n;\n  return 1 + depth(n + 1);\n}\n`,
    'main.js': `import * as rec from './rec.js';\ntry { rec.depth(0); } catch (error) { console.log(error.constructor.name, rec.reached); }\n`,
  });
  try {
    const plain = p.run(['main.js']);
    const hot = p.run([...IMPORT, 'main.js']);
    assert.is(hot.status, 0, hot.stderr);
    const [kind, reached] = hot.stdout.trim().split(' ');
    const plainReached = Number(plain.stdout.trim().split(' ')[1]);
    assert.is(kind, 'RangeError');
    assert.ok(Number(reached) >= plainReached * 0.95, `hot ${reached} against plain ${plainReached}`);
  } finally {
    p.remove();
  }
});

test('a reload from the API in a running process logs one line to stderr', () => {
  const p = project({
    'app.js': `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import { greet } from './lib.js';
const saved = greet;
writeFileSync('lib.js', "export function greet() { return 'v2'; }\\nexport const extra = 1;\\n");
const report = await reload('lib.js');
console.log(saved(), report.ok, report.modules[0].version);
writeFileSync('lib.js', "export function greet( { return 'v3'; }\\n");
const failed = await reload();
console.log(saved(), failed.ok, failed.error.code, failed.error.line);`,
    'lib.js': "export function greet() { return 'v1'; }\n",
  });
  try {
    const result = p.run([...IMPORT, 'app.js']);
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.trim(), 'v2 true 2\nv2 false ERR_HOT_PARSE 1');
    const lines = result.stderr.trim().split('\n');
    assert.is(lines.length, 2, result.stderr);
    assert.match(lines[0], /^\[hot\] reload lib\.js v2 \(1 replaced, 0 kept, 1 added\) in [\d.]+ ms$/);
    assert.match(lines[1], /^\[hot\] reload failed \([\d.]+ ms\), nothing changed: lib\.js:1:\d+ ERR_HOT_PARSE /);
  } finally {
    p.remove();
  }
});

test('a hotfix from the API logs one line to stderr naming what it patched; a TypeScript hotfix runs where Node strips types', () => {
  const p = project({
    'app.js': `import { hotfix } from '@hot/loader/runtime';
import { Player, attack, DAMAGE } from './src/player.js';
const report = await hotfix('hotfixes/fire.js');
console.log(report.ok, new Player().fire(), attack(), DAMAGE);
if (${nativeTypeScript}) {
  const typed = await hotfix('hotfixes/typed.ts');
  console.log(typed.ok, attack());
}
const failed = await hotfix('hotfixes/broken.js');
console.log(failed.ok, failed.error.code, failed.error.line);`,
    'src/player.js': "export const DAMAGE = 10;\nexport function attack() { return 'v1'; }\nexport class Player { fire() { return 'fires v1'; } }\n",
    'hotfixes/fire.js': `export default function (hot) {
  const player = hot.module('../src/player.js');
  player.method('Player', 'fire', function () { return 'fires (hotfix)'; });
  player.set('DAMAGE', 12);
}`,
    'hotfixes/typed.ts': `import type { Hotfix } from '@hot/loader/runtime';
export default function (hot: Hotfix): void {
  hot.module('../src/player.js').fn('attack', (): string => 'typed');
}`,
    'hotfixes/broken.js': "export default function (hot) {\n  hot.module('../src/player.js').fn('atack', () => 0);\n}\n",
  });
  try {
    const result = p.run([...IMPORT, 'app.js']);
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.trim(), `true fires (hotfix) v1 12${nativeTypeScript ? '\ntrue typed' : ''}\nfalse ERR_HOT_HOTFIX 2`);
    const lines = result.stderr.trim().split('\n');
    assert.match(lines[0], /^\[hot\] hotfix hotfixes\/fire\.js patched src\/player\.js: Player#fire, DAMAGE in [\d.]+ ms$/);
    if (nativeTypeScript) assert.match(lines[1], /^\[hot\] hotfix hotfixes\/typed\.ts patched src\/player\.js: attack in [\d.]+ ms$/);
    assert.match(lines.at(-1), /^\[hot\] hotfix failed \([\d.]+ ms\), nothing changed: hotfixes\/broken\.js:2:\d+ ERR_HOT_HOTFIX .*src\/player\.js: fn\("atack"\): the module has no binding 'atack'; its bindings: DAMAGE, attack, Player$/);
    assert.is(lines.length, nativeTypeScript ? 3 : 2, result.stderr);
  } finally {
    p.remove();
  }
});

test('include and exclude from the "hot" key of package.json', () => {
  const p = project({
    'package.json': { name: 'x', type: 'module', hot: { exclude: ['vendor/**'], quiet: true } },
    'app.js': `import { kind } from './vendor/v.js';\nimport { kind as own } from './src/own.js';\nconsole.log(kind, own);`,
    'vendor/v.js': 'export const kind = typeof import.meta.hot;',
    'src/own.js': 'export const kind = typeof import.meta.hot;',
  });
  try {
    const result = p.run([...IMPORT, 'app.js']);
    assert.is(result.stdout.trim(), 'undefined object', result.stderr);
  } finally {
    p.remove();
  }
});

test('hot.config.json: include limits hot modules to the globs', () => {
  const p = project({
    'hot.config.json': { include: ['src/**/*.js'] },
    'app.js': `import { kind } from './src/deep/a.js';\nconsole.log(typeof import.meta.hot, kind);`,
    'src/deep/a.js': 'export const kind = typeof import.meta.hot;',
  });
  try {
    const result = p.run([...IMPORT, 'app.js']);
    assert.is(result.stdout.trim(), 'undefined object', result.stderr);
  } finally {
    p.remove();
  }
});

test('a bad config stops the process with a message naming the key and what is allowed', () => {
  const p = project({ 'hot.config.json': { data: 'sometimes', colour: 1 }, 'app.js': 'console.log(1)' });
  try {
    const result = p.run([...IMPORT, 'app.js']);
    assert.is.not(result.status, 0);
    assert.match(result.stderr, "unknown key 'colour'; allowed: include, exclude, data, quiet, cache");
    p.write('hot.config.json', JSON.stringify({ data: 'sometimes' }));
    const again = p.run([...IMPORT, 'app.js']);
    assert.match(again.stderr, "'data' must be one of auto, keep, replace; got \"sometimes\"");
  } finally {
    p.remove();
  }
});

test('the project root comes from the entry file, not the working directory', () => {
  const p = project({
    'app/package.json': { name: 'app', type: 'module', hot: { exclude: ['vendor/**'] } },
    'app/server.js': `import { status } from '@hot/loader/runtime';\nimport { kind } from './lib.js';\nimport { kind as vendor } from './vendor/v.js';\nconsole.log(kind, vendor, status().modules.length);`,
    'app/lib.js': 'export const kind = typeof import.meta.hot;',
    'app/vendor/v.js': 'export const kind = typeof import.meta.hot;',
    'elsewhere/.keep': '',
  });
  try {
    const result = p.run([...IMPORT, '../app/server.js'], { cwd: 'elsewhere' });
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.trim(), 'object undefined 2');
    assert.is(result.stderr, '');
    assert.ok(existsSync(p.path('app/node_modules/.cache/hot-loader')), 'the cache lives in the entry project');
  } finally {
    p.remove();
  }
});

test('an entry given as a directory (`node --import @hot/loader .`) finds its project', () => {
  const p = project({
    'app/package.json': { name: 'app', type: 'module', main: 'main.js', hot: { quiet: true } },
    'app/main.js': `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import { kind } from './lib.js';
writeFileSync('lib.js', 'export const kind = 2;');
console.log(kind, (await reload('lib.js')).ok);`,
    'app/lib.js': 'export const kind = typeof import.meta.hot;',
  });
  try {
    const result = p.run([...IMPORT, '.'], { cwd: 'app' });
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.trim(), 'object true');
    assert.is(result.stderr, '', 'quiet comes from the entry directory\'s package.json');
  } finally {
    p.remove();
  }
});

test('each module follows the config of the nearest package.json above it', () => {
  const p = project({
    'package.json': { name: 'root', type: 'module', hot: { data: 'keep' } },
    'app.js': `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import * as own from './state.js';
import * as nested from './packages/lib/state.js';
import { kind } from './packages/lib/skip.js';
writeFileSync('state.js', 'export const level = { n: 2 };');
writeFileSync('packages/lib/state.js', 'export const level = { n: 2 };');
const report = await reload(['state.js', 'packages/lib/state.js']);
console.log(report.ok, own.level.n, nested.level.n, kind);`,
    'state.js': 'export const level = { n: 1 };',
    'packages/lib/package.json': { name: 'lib', type: 'module', hot: { data: 'replace', exclude: ['skip.js'] } },
    'packages/lib/state.js': 'export const level = { n: 1 };',
    'packages/lib/skip.js': 'export const kind = typeof import.meta.hot;',
  });
  try {
    const result = p.run([...IMPORT, 'app.js'], { env: { HOT_QUIET: '1' } });
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.trim(), 'true 1 2 undefined', 'root keeps (data: keep), the nested package replaces and excludes');
  } finally {
    p.remove();
  }
});

test('nothing hot at all: one line on stderr that names the root and the config', () => {
  const p = project({
    'package.json': { name: 'x', type: 'module', hot: { include: ['src/**'] } },
    'app.js': "import './lib.js';\nconsole.log('ran');",
    'lib.js': 'export const a = 1;',
  });
  try {
    const result = p.run([...IMPORT, 'app.js']);
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.trim(), 'ran');
    const lines = result.stderr.trim().split('\n');
    assert.is(lines.length, 1, result.stderr);
    assert.match(lines[0], `[hot] no module is hot: ${p.path('app.js')} belongs to ${p.dir}; config: ${p.path('package.json')} ("hot" key), include ["src/**"]`);
  } finally {
    p.remove();
  }
});

test('transforms are cached on disk for the next start', () => {
  const p = project({ 'app.js': "import './lib.js';\nconsole.log('ok');", 'lib.js': 'export const a = 1;' });
  try {
    assert.is(p.run([...IMPORT, 'app.js']).stdout.trim(), 'ok');
    const dir = p.path('node_modules/.cache/hot-loader');
    assert.ok(existsSync(dir));
    assert.is(readdirSync(dir).filter((f) => f.endsWith('.js')).length, 2);
    assert.is(readdirSync(dir).filter((f) => f.endsWith('.map')).length, 2);
    assert.is(p.run([...IMPORT, 'app.js']).stdout.trim(), 'ok');
  } finally {
    p.remove();
  }
});

const TS_APP = `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import { Ship, describe } from './ship.ts';
const ship = new Ship(2);
writeFileSync('ship.ts', SOURCE.replace('fly1', 'fly2'));
const report = await reload('ship.ts');
console.log(report.ok, ship.fly(), describe(ship));
try { ship.crash(); } catch (error) { console.log(error.stack.split('\\n')[1].trim()); }`;
const TS_SHIP = `interface Flying { fly(): string }
export class Ship implements Flying {
  private speed: number;
  constructor(speed: number) { this.speed = speed; }
  fly(): string { return 'fly1 at ' + this.speed; }
  crash(): never {
    throw new Error('crashed');
  }
}
export const describe = <T extends Flying>(thing: T): string => thing.fly();
`;

test('TypeScript with tsx first (--import tsx --import @hot/loader)', () => {
  const ship = TS_SHIP;
  const p = project({ 'app.ts': `const SOURCE = ${JSON.stringify(ship)};\n${TS_APP}`, 'ship.ts': ship }, { link: ['@hot/loader', 'tsx'] });
  try {
    const result = p.run(['--import', 'tsx', ...IMPORT, 'app.ts'], { env: { HOT_QUIET: '1' } });
    assert.is(result.status, 0, result.stderr);
    const [first, frame] = result.stdout.trim().split('\n');
    assert.is(first, 'true fly2 at 2 fly2 at 2');
    assert.match(frame, `${p.path('ship.ts')}:7:11`, 'tsx\'s map and ours are chained');
  } finally {
    p.remove();
  }
});

test('TypeScript with Node\'s own type stripping (Node >= 22.18)', () => {
  if (!nativeTypeScript) return;
  const ship = TS_SHIP;
  const p = project({ 'app.ts': `const SOURCE = ${JSON.stringify(ship)};\n${TS_APP}`, 'ship.ts': ship });
  try {
    const result = p.run([...IMPORT, 'app.ts'], { env: { HOT_QUIET: '1' } });
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stderr, '');
    const [first, frame] = result.stdout.trim().split('\n');
    assert.is(first, 'true fly2 at 2 fly2 at 2');
    assert.match(frame, `${p.path('ship.ts')}:7:11`);
  } finally {
    p.remove();
  }
});

const TS_BROKEN = `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import { f } from './lib.ts';
writeFileSync('lib.ts', process.env.NEXT ?? '');
const report = await reload('lib.ts');
const { code, file, line, column, message } = report.error ?? {};
console.log(JSON.stringify({ code, file, line, column, message, f: f() }));`;

test('TypeScript that Node cannot strip (an enum) is a parse error at its line and column (Node >= 22.18)', () => {
  if (!nativeTypeScript) return;
  const p = project({ 'app.ts': TS_BROKEN, 'lib.ts': 'export function f(): number { return 1; }\n' });
  try {
    const next = 'export function f(): number {\n  return 2;\n}\n\n  enum Color { Red, Green }\n';
    const result = p.run([...IMPORT, 'app.ts'], { env: { NEXT: next } });
    assert.is(result.status, 0, result.stderr);
    const error = JSON.parse(result.stdout);
    assert.equal(error, { code: 'ERR_HOT_PARSE', file: p.path('lib.ts'), line: 5, column: 3, message: error.message, f: 1 });
    assert.match(error.message, /enum/);
    assert.match(result.stderr, `lib.ts:5:3 ERR_HOT_PARSE ${error.message}`);
  } finally {
    p.remove();
  }
});

test('a tsx compile error is a parse error at its line and column, with the whole message', () => {
  const p = project({ 'app.ts': TS_BROKEN, 'lib.ts': 'export function f(): number { return 1; }\n' }, { link: ['@hot/loader', 'tsx'] });
  try {
    const next = 'export function f(): number {\n  return 2 +\n}\n';
    const result = p.run(['--import', 'tsx', ...IMPORT, 'app.ts'], { env: { NEXT: next } });
    assert.is(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout), { code: 'ERR_HOT_PARSE', file: p.path('lib.ts'), line: 3, column: 1, message: 'Unexpected "}"', f: 1 });
    assert.match(result.stderr, 'lib.ts:3:1 ERR_HOT_PARSE Unexpected "}"');
  } finally {
    p.remove();
  }
});

test('a multi-line error message reaches stderr whole', () => {
  const p = project({
    'app.js': `import { reload } from '@hot/loader/runtime';
import { writeFileSync } from 'node:fs';
import './lib.js';
writeFileSync('lib.js', ${JSON.stringify('export const a = 1;\nthrow new Error("first line\\nsecond line");\n')});
await reload('lib.js');`,
    'lib.js': 'export const a = 1;\n',
  });
  try {
    const result = p.run([...IMPORT, 'app.js']);
    assert.is(result.status, 0, result.stderr);
    assert.match(result.stderr, /lib\.js:2:7 ERR_HOT_EVALUATION first line\n {4}second line\n$/);
  } finally {
    p.remove();
  }
});

test.run();
