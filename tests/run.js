// Runs every test suite, each in its own process, and ends with "N passed, N failed".
//
//   node tests/run.js                 all suites on this Node
//   node tests/run.js loader          only suites whose name contains "loader"
//   HOT_TEST_NODE=/path/to/node node tests/run.js    run the suites on another Node binary
//
// The file watcher is off (HOT_WATCH=0) unless asked for: suites edit files and reload them
// themselves; tests/watch.test.js turns it on for the processes it starts.
// Suites named *.hot.test.js run under `node --import @hot/loader` (reload scenarios);
// the others run plain (transform unit tests, loader tests that spawn their own processes).
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node = process.env.HOT_TEST_NODE || process.execPath;
const filter = process.argv[2] ?? '';
const suites = readdirSync(join(root, 'tests'))
  .filter((name) => name.endsWith('.test.js') && name.includes(filter))
  .sort();

rmSync(join(root, 'tests', '.work'), { recursive: true, force: true });

function run(suite) {
  const args = suite.endsWith('.hot.test.js') ? ['--import', '@hot/loader', join('tests', suite)] : [join('tests', suite)];
  return new Promise((resolve) => {
    const child = spawn(node, args, { cwd: root, env: { ...process.env, HOT_QUIET: '1', FORCE_COLOR: '0', HOT_WATCH: process.env.HOT_WATCH ?? '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // The last summary is the suite's own (a suite may print a nested suite's output first).
      const last = (pattern) => Number([...out.matchAll(pattern)].pop()?.[1] ?? 0);
      const total = last(/Total:\s+(\d+)/g);
      const passed = last(/Passed:\s+(\d+)/g);
      resolve({ suite, code, signal, total, passed, out });
    });
  });
}

let passed = 0;
let failed = 0;
const version = (await new Promise((resolve) => {
  const child = spawn(node, ['--version']);
  let text = '';
  child.stdout.on('data', (chunk) => (text += chunk));
  child.on('close', () => resolve(text.trim()));
}));
console.log(`node ${version}: ${suites.length} suites`);
for (const suite of suites) {
  const result = await run(suite);
  const suiteFailed = result.total - result.passed;
  const broken = result.code !== 0 && suiteFailed === 0;
  passed += result.passed;
  failed += suiteFailed + (broken ? 1 : 0);
  const mark = result.code === 0 && suiteFailed === 0 ? 'ok  ' : 'FAIL';
  console.log(`${mark} ${suite}: ${result.passed}/${result.total}${broken ? ` (exit ${result.code ?? result.signal})` : ''}`);
  if (mark === 'FAIL') console.log(result.out.split('\n').map((line) => `    ${line}`).join('\n'));
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
