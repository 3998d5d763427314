// What a user installs: `npm pack`, then `npm install <tarball>` into an app outside
// this repository, so only declared dependencies are present. There the app runs under
// the loader, README's examples run against the installed copy, and a TypeScript app
// type-checks against the published types.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { init as lexerReady, parse as parseImports } from 'es-module-lexer';
import { node } from './support/project.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'hot-loader-install-'));
const app = join(work, 'app');

function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 180_000, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function write(file, text) {
  mkdirSync(dirname(join(app, file)), { recursive: true });
  writeFileSync(join(app, file), text);
}

test.before(() => {
  sh('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root });
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');
  const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readFileSync(join(root, 'README.md'), 'utf8'))?.[1] ?? '';
  assert.match(quickStart, `npm install /path/to/checkout/${tarball}`, "README's quick start installs the tarball npm pack writes");
  mkdirSync(app);
  write('package.json', JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
  // @types/node for the type check, at the version this repository builds with.
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball), `@types/node@${pkg.devDependencies['@types/node']}`], { cwd: app });
});

/** The frameworks the real-servers, check and README suites run against, installed beside the tarball when first needed. */
let frameworksInstalled = false;
function installFrameworks() {
  if (frameworksInstalled) return;
  const frameworks = ['express', 'fastify', 'hono', '@hono/node-server', 'ws'].map((name) => `${name}@${pkg.devDependencies[name] ?? pkg.dependencies[name]}`);
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...frameworks], { cwd: app });
  frameworksInstalled = true;
}

test.after(() => rmSync(work, { recursive: true, force: true }));

test('every package dist/ imports at run time is a declared dependency, and each dependency is used', async () => {
  await lexerReady;
  const dist = join(app, 'node_modules', '@hot', 'loader', 'dist');
  const bare = new Set();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) {
        // Static and dynamic imports as a real lexer sees them; then require() and getBuiltinModule() calls.
        const code = readFileSync(path, 'utf8');
        const [imports] = parseImports(code);
        for (const { specifier } of imports) if (specifier && !/^[./]/.test(specifier)) bare.add(specifier);
        const uncommented = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
        for (const match of uncommented.matchAll(/(?:\brequire\(\s*|\bgetBuiltinModule\(\s*)['"]([^'"./][^'"]*)['"]/g)) bare.add(match[1]);
      }
    }
  };
  walk(dist);
  // URLs (`node:fs`, the `data:` entry a reload batch imports) are no packages.
  const packages = [...bare].filter((name) => !/^[a-z]+:/.test(name) && !builtinModules.includes(name)).map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2) : name.split('/').slice(0, 1)).join('/'));
  const declared = Object.keys(pkg.dependencies ?? {});
  assert.equal([...new Set(packages)].sort(), declared.sort(), 'packages imported by dist/ vs dependencies in package.json');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Dependencies'), readme.indexOf('\n## ', readme.indexOf('## Dependencies') + 5));
  const listed = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
  assert.equal(listed.sort(), declared.sort(), "README's dependency table vs package.json");
});

test('a two-module app runs under the installed loader, and a reload runs the new code', () => {
  const wallet = (k) => `export class Wallet { #gold = 1; #fee() { return 0; } add(n) { this.#gold += n * ${k} - this.#fee(); return this.#gold; } }\n`;
  const greet = (v) => `export let calls = 0;\nexport function greet() { calls++; return '${v}'; }\n`;
  write('lib.js', greet('v1') + wallet(1));
  write('main.js', `import { writeFileSync } from 'node:fs';
import { reload } from '@hot/loader/runtime';
import { greet, calls, Wallet } from './lib.js';
const saved = greet;
const old = new Wallet();
console.log(saved(), old.add(1));
writeFileSync(new URL('./lib.js', import.meta.url), ${JSON.stringify(greet('v2') + wallet(10))});
const report = await reload(new URL('./lib.js', import.meta.url));
console.log(report.ok, saved(), greet === saved, old.add(1));
saved();
// The new version writes its shared binding (lib.js?hot-binding=calls, served by the installed hooks).
console.log(calls);
`);
  const result = spawnSync(node, ['--import', '@hot/loader', 'main.js'], { cwd: app, encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOT_QUIET: '' } });
  assert.is(result.status, 0, result.stderr);
  assert.is(result.stdout, 'v1 2\ntrue v2 true 12\n3\n', 'the instance made before the reload keeps its #private state and runs the new method; writes of the new version reach the first importer');
  assert.match(result.stderr, /^\[hot\] reload lib\.js v2 \(2 replaced, 1 kept\) in [\d.]+ ms\n$/);
});

test('`npx hot status`, `npx hot reload` and a save (the watcher) drive a process started from the installed package', async () => {
  write('game/package.json', JSON.stringify({ name: 'game', private: true, type: 'module' }));
  write('game/server.js', `import { hit } from './combat.js';\nsetInterval(hit, 5);\n`);
  write('game/combat.js', `export function hit() { return 1; }\n`);
  const game = join(app, 'game');
  const dir = join(work, 'discovery');
  const child = spawn(node, ['--import', '@hot/loader', 'server.js'], { cwd: game, env: { ...process.env, HOT_QUIET: '1', HOT_CONTROL_DIR: dir, HOT_WATCH: '1' }, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(dir, `${child.pid}.json`))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the installed loader published no control endpoint');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const npx = (...args) => spawnSync('npx', ['--no-install', 'hot', ...args], { cwd: game, encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOT_CONTROL_DIR: dir } });
    let status = npx('status');
    while (!status.stdout.includes('watching') && Date.now() < deadline) status = npx('status');
    assert.is(status.status, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^pid ${child.pid}: node v[\\d.]+, up \\d+s, entry server\\.js\nwatching 2 files in 1 directory \\(\\.\\): a save reloads\n  combat\\.js v1\n  server\\.js v1\n2 hot modules, 0 old versions kept by Node \\(~0 B\\)\n$`));
    const reloaded = npx('reload', 'combat.js');
    assert.is(reloaded.status, 0, reloaded.stderr);
    assert.match(reloaded.stdout, /^combat\.js v2: no change\nreload applied to 1 module \(batch 1, [\d.]+ ms\)\n$/);
    write('game/combat.js', `export function hit() { return 2; }\n`);
    // The watcher of the installed package (chokidar from its dependencies) reloads the save.
    let json;
    do json = JSON.parse(npx('status', '--json').stdout);
    while (json.modules.find((m) => m.file.endsWith('combat.js')).version < 3 && Date.now() < deadline + 10_000);
    assert.is(json.modules.find((m) => m.file.endsWith('combat.js')).version, 3, 'the save was reloaded');
  } finally {
    child.kill('SIGINT');
  }
});

test('the CLI, control endpoint and fleet suites pass against the installed copy (its bin, its loader, its @redis/client)', () => {
  for (const suite of ['cli.test.js', 'control.test.js', 'fleet.test.js']) {
    const result = spawnSync(node, [join(root, 'tests', suite)], { cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, HOT_TEST_INSTALL: app, HOT_TEST_BIN: join(app, 'node_modules', '@hot', 'loader', 'dist', 'cli', 'main.cjs'), FORCE_COLOR: '0' } });
    const passed = Number(/Passed:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0);
    const total = Number(/Total:\s+(\d+)/.exec(result.stdout)?.[1] ?? -1);
    assert.is(result.status, 0, suite + result.stdout + result.stderr);
    assert.ok(total >= 5 && passed === total, suite + result.stdout);
  }
});

test("README's examples pass against the installed copy", () => {
  installFrameworks();
  const result = spawnSync(node, [join(root, 'tests', 'readme.test.js')], { cwd: root, encoding: 'utf8', timeout: 180_000, env: { ...process.env, HOT_TEST_INSTALL: app, HOT_TEST_BIN: join(app, 'node_modules', '@hot', 'loader', 'dist', 'cli', 'main.cjs'), FORCE_COLOR: '0' } });
  const passed = Number(/Passed:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0);
  const total = Number(/Total:\s+(\d+)/.exec(result.stdout)?.[1] ?? -1);
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.ok(total > 0 && passed === total, result.stdout);
});

test('real servers (express, fastify, hono, ws) reload as tests/servers.test.js expects, and hot check and the demo arena pass their suites, against the installed copy', () => {
  installFrameworks();
  for (const [suite, least] of [['servers.test.js', 4], ['check.test.js', 10], ['demo.test.js', 3]]) {
    const result = spawnSync(node, [join(root, 'tests', suite)], { cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, HOT_TEST_INSTALL: app, HOT_TEST_BIN: join(app, 'node_modules', '@hot', 'loader', 'dist', 'cli', 'main.cjs'), FORCE_COLOR: '0' } });
    const passed = Number(/Passed:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0);
    const total = Number(/Total:\s+(\d+)/.exec(result.stdout)?.[1] ?? -1);
    assert.is(result.status, 0, suite + result.stdout + result.stderr);
    assert.ok(total >= least && passed === total, suite + result.stdout);
  }
});

test('a TypeScript app type-checks against the published types (nodenext)', () => {
  write('tsconfig.json', JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
    include: ['good.ts'],
  }));
  write('good.ts', `import { reload, reloadAll, rollback, status, onReload, ready, checkReloadSafety, type ReloadReport, type CheckResult } from '@hot/loader/runtime';
const report: ReloadReport = await reload(['src/combat.ts']);
if (!report.ok && report.error) console.log(report.error.code, report.error.file, report.error.line);
const off: () => void = onReload((r) => console.log(r.batch, r.modules.map((m) => m.replaced.join(','))));
off();
const bytes: number = status().oldVersionBytes;
ready();
const checked: CheckResult = await checkReloadSafety({ rounds: 2, invariants: { kept: ({ round, state }) => round >= 0 && state !== null } });
for (const finding of checked.findings) console.log(finding.check, finding.file, finding.line, finding.message);
await reloadAll();
await rollback();
const players = new Map<string, { hp: number }>();
import.meta.hot?.dispose((data) => { data.players = players; });
import.meta.hot?.migrate<Map<string, { hp: number }>>('players', (old, { from, to }) => new Map([...old].map(([k, v]) => [k, { ...v, hp: v.hp + from + to }])));
import.meta.hot?.accept();
console.log(bytes, import.meta.hot?.version, import.meta.hot?.data);
export {};
`);
  write('bad.ts', `import { reload } from '@hot/loader/runtime';
const ok: string = (await reload(42)).ok;
import.meta.hot?.dispose(12);
export {};
`);
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const good = spawnSync(tsc, ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
  assert.is(good.status, 0, good.stdout + good.stderr);
  // The same config on a file that misuses the API must fail: the types are really there, not `any`.
  write('tsconfig.bad.json', JSON.stringify({ extends: './tsconfig.json', include: ['bad.ts'] }));
  const bad = spawnSync(tsc, ['-p', 'tsconfig.bad.json', '--pretty', 'false'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
  assert.is.not(bad.status, 0);
  assert.match(bad.stdout, "bad.ts(2,34)", bad.stdout + bad.stderr);
  assert.match(bad.stdout, "bad.ts(2,7)");
  assert.match(bad.stdout, "bad.ts(3,26)");
});

test.run();
