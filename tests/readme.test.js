// README's examples, taken from README.md itself and run in real processes, so the
// documentation cannot drift from what the code does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node, project } from './support/project.js';
import { controlDir, startApp } from './support/control.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const block = (marker) => {
  const found = blocks.find((b) => b.includes(marker));
  if (!found) throw new Error(`README has no js example containing ${JSON.stringify(marker)}`);
  return found;
};
const IMPORT = ['--import', '@hot/loader'];
const hotBin = process.env.HOT_TEST_BIN ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.cjs');

// A driver that swaps a module to a new source, reloads it and prints JSON.
const driver = (module, next, after) => `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import * as mod from './${module}';
const before = { ...mod };
writeFileSync('${module}', ${JSON.stringify(next)});
const report = await reload('${module}');
console.log(JSON.stringify({ ok: report.ok, error: report.error?.message, ...(${after}) }));
`;

test('the data-rules example: unchanged kept, edited replaced, dependants follow', () => {
  const v2 = block('export const DOUBLE = BASE * 2;');
  const v1 = v2.replace('{ sword: 7 }', '{ sword: 3 }').replace('BASE = 50', 'BASE = 10');
  const p = project({
    'state.js': v1,
    'main.js': driver('state.js', v2, `{ samePlayers: mod.players === before.players, sword: mod.WEAPONS.sword, DOUBLE: mod.DOUBLE }`),
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1' } });
    assert.equal(JSON.parse(result.stdout), { ok: true, samePlayers: true, sword: 7, DOUBLE: 100 }, result.stderr);
  } finally {
    p.remove();
  }
});

test('the pragma examples', () => {
  const declaration = block('export const cache = new Map();');
  const top = block('export const b = { n: 2 };');
  const p = project({
    'decl.js': declaration.replace('speed: 2', 'speed: 1'),
    'top.js': top.replace('{ n: 2 };             // kept', '{ n: 1 };             // kept').replace('b = { n: 2 }', 'b = { n: 1 }'),
    'main.js': `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import * as decl from './decl.js';
import * as top from './top.js';
const cache = decl.cache;
writeFileSync('decl.js', ${JSON.stringify(declaration)});
writeFileSync('top.js', ${JSON.stringify(top)});
const report = await reload(['decl.js', 'top.js']);
console.log(JSON.stringify({ ok: report.ok, speed: decl.tuning.speed, freshCache: decl.cache !== cache, a: top.a.n, b: top.b.n }));`,
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1' } });
    assert.equal(JSON.parse(result.stdout), { ok: true, speed: 1, freshCache: true, a: 1, b: 2 }, result.stderr);
  } finally {
    p.remove();
  }
});

test('the migrate example', () => {
  const v2 = block("import.meta.hot?.migrate('players'");
  const v1 = "export const players = new Map();\nplayers.set('p1', { hp: 3 });\n";
  const p = project({
    'players.js': v1,
    'main.js': driver('players.js', v2, `{ p1: mod.players.get('p1') }`),
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1' } });
    assert.equal(JSON.parse(result.stdout), { ok: true, p1: { mana: 0, hp: 3 } }, result.stderr);
  } finally {
    p.remove();
  }
});

test('the server example hands its server to the next version', () => {
  const server = block("createServer((req, res) => handle(req, res))").replace('8080', '0');
  const p = project({
    'routes.js': "export function handle(req, res) { res.end('v1'); }\n",
    'server.js': server,
    'main.js': `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import * as mod from './server.js';
const first = mod.server;
await new Promise((resolve) => first.listening ? resolve() : first.once('listening', resolve));
const url = 'http://127.0.0.1:' + first.address().port;
const before = await (await fetch(url)).text();
writeFileSync('routes.js', "export function handle(req, res) { res.end('v2'); }\\n");
writeFileSync('server.js', ${JSON.stringify(server)} + '\\n// edited\\n');
const report = await reload(['routes.js', 'server.js']);
const after = await (await fetch(url)).text();
first.close();
console.log(JSON.stringify({ ok: report.ok, same: mod.server === first, before, after }));`,
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1' } });
    assert.equal(JSON.parse(result.stdout), { ok: true, same: true, before: 'v1', after: 'v2' }, result.stderr);
  } finally {
    p.remove();
  }
});

test('the quick-start admin example reloads and reports', () => {
  const admin = block('// admin.js');
  const p = project({
    'admin.js': admin,
    'game.js': "export function greet() { return 'v1'; }\n",
    'main.js': `import { reloadCommand } from './admin.js';
import { writeFileSync } from 'node:fs';
import { greet } from './game.js';
writeFileSync('game.js', "export function greet() { return 'v2'; }\\n");
console.log(await reloadCommand('game.js'), greet());
writeFileSync('game.js', "export function greet() { return 'v3' +; }\\n");
console.log(await reloadCommand(), greet());`,
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1' } });
    assert.match(result.stdout, /^reloaded batch 1\napplied v2\n.*Unexpected token\nERR_HOT_PARSE .*Unexpected token v2\n$/, result.stderr);
  } finally {
    p.remove();
  }
});

test('the quick-start admin example, edited while it runs, keeps one onReload listener', () => {
  const admin = block('// admin.js');
  const p = project({
    'admin.js': admin,
    'main.js': `import { readFileSync, writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
await import('./admin.js');
const text = readFileSync('admin.js', 'utf8');
const edited = text.replace('reloaded batch', 'applied batch');
writeFileSync('admin.js', edited);
const swapped = await reload('admin.js');
writeFileSync('admin.js', edited.replace('onReload((report)', 'void onReload((report)'));
const reran = await reload('admin.js');
await reload('admin.js');
console.log(JSON.stringify({ swapped: swapped.modules[0].swapped.length, reran: reran.modules[0].reran.length, released: reran.modules[0].released }));`,
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1' } });
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.slice(0, 3), ['applied batch 1', 'applied batch 2', 'applied batch 3'], 'one listener per batch, running the edited code: ' + result.stderr);
    assert.equal(JSON.parse(lines[3]), { swapped: 1, reran: 1, released: ['1 listener'] });
  } finally {
    p.remove();
  }
});

test('the known-limits example: a statement that registers and releases together runs again cleanly', () => {
  const example = block("bus.off('hit', onHit)");
  const module = (n) => `import { EventEmitter } from 'node:events';
export const bus = new EventEmitter();
export const hits = [];
const score = (n) => hits.push(n * ${n});
${example}`;
  const p = project({
    'game.js': module(1),
    'main.js': `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import * as game from './game.js';
game.bus.emit('hit', 2);
writeFileSync('game.js', ${JSON.stringify(module(1).replace('score(n)', 'score(n + 1)'))});
const report = await reload('game.js');
game.bus.emit('hit', 2);
console.log(JSON.stringify({ ok: report.ok, listeners: game.bus.listenerCount('hit'), hits: game.hits }));`,
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '1' } });
    assert.is(result.stderr, "");
    assert.equal(JSON.parse(result.stdout), { ok: true, listeners: 1, hits: [2, 3] }, result.stderr);
  } finally {
    p.remove();
  }
});

test("the hotfix example: the seed's player_fire case, a copy taken before the hotfix runs the patch; rollback undoes it", () => {
  const p = project({
    'src/player.js': block('// src/player.js'),
    'src/attack.js': block('// src/attack.js'),
    'hotfixes/player_fire.js': block('// hotfixes/player_fire.js'),
    'main.js': `import { Player, DAMAGE } from './src/player.js';
import { volley } from './src/attack.js';
import * as player from './src/player.js';
const ann = new Player('ann');
${block("await hotfix('hotfixes/player_fire.js')")}
const bob = new Player('bob');
bob.ammo = 1;
console.log(JSON.stringify({ ok: report.ok, patched: report.modules[0].patched, volley: volley([ann, bob]), direct: ann.fire(), damage: player.DAMAGE }));
await rollback();
console.log(JSON.stringify({ volley: volley([ann, bob]), damage: player.DAMAGE }));`,
  });
  try {
    const result = p.run([...IMPORT, 'main.js'], { env: { HOT_QUIET: '' } });
    const [applied, undone] = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(applied, { ok: true, patched: ['Player#fire', 'DAMAGE'], volley: ['ann clicks', 'bob fires'], direct: 'ann clicks', damage: 12 }, result.stderr);
    assert.equal(undone, { volley: ['ann fires', 'bob fires'], damage: 10 });
    assert.match(result.stderr, /^\[hot\] hotfix hotfixes\/player_fire\.js patched src\/player\.js: Player#fire, DAMAGE in [\d.]+ ms$/m, 'the line the README shows');
  } finally {
    p.remove();
  }
});

test("the hot check example: the README's output is what the bin prints for its files", () => {
  const output = /```\n\$ npx hot check server\.js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(output, 'README shows the output of a failing check');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const p = project({
    'src/app.js': block('// src/app.js'),
    'src/boot.js': block('// src/boot.js'),
    'server.js': block("import { start } from './src/boot.js';").replace('3000', String(port)),
  }, { link: ['@hot/loader', 'express'] });
  try {
    const result = spawnSync(node, [hotBin, 'check', 'server.js'], { cwd: p.dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, GITHUB_ACTIONS: '' } });
    assert.is(result.status, 1, result.stderr);
    const timing = (text) => text.replace(/\(\d+\.\d s\)/, '(… s)');
    assert.is(timing(result.stdout), timing(output));
  } finally {
    p.remove();
  }
});

test("the hot check invariants and test-runner examples pass on a clean app", () => {
  const game = "// @hot keep-data\nexport const players = new Map([['ada', { hp: 100 }]]);\n";
  const p = project({
    'src/game.js': game,
    'server.js': "import http from 'node:http';\nimport { players } from './src/game.js';\nexport const server = http.createServer((req, res) => res.end(String(players.size))).listen(0, '127.0.0.1');\n",
    'check/invariants.js': block('export function playersKept({ state })'),
    'test/reload.test.js': block("test('every module reloads safely'"),
  });
  try {
    const result = p.run([...IMPORT, '--test', 'test/reload.test.js'], { env: { HOT_QUIET: '1', HOT_WATCH: '0' } });
    assert.is(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^(?:# |ℹ )pass 1$/m, result.stdout);
  } finally {
    p.remove();
  }
});

test('the control endpoint example: a plain ws client reloads a running process', async () => {
  const p = project({
    'server.js': "import { hit } from './combat.js';\nsetInterval(hit, 5);\n",
    'combat.js': 'export function hit() { return 1; }\n',
    'reload-bot.js': block('// reload-bot.js'),
  }, { link: ['@hot/loader', 'ws'] });
  const dir = controlDir();
  const running = await startApp(p, { dir });
  try {
    p.write('combat.js', 'export function hit() { return 2; }\n');
    const result = p.run(['reload-bot.js', 'combat.js'], { env: { HOT_CONTROL_DIR: dir } });
    assert.is(result.stdout, 'applied batch 1\n', result.stderr);
    const refused = p.run(['reload-bot.js', '../outside.js'], { env: { HOT_CONTROL_DIR: dir } });
    assert.match(refused.stdout, /^ERR_HOT_OUTSIDE_ROOT /);
  } finally {
    await running.stop();
    p.remove();
  }
});

test.run();
