// Real libraries from the npm registry, loaded as hot modules, against a real test suite:
// the CommonMark spec's 652 examples (the commonmark-spec package, which commonmark.js's own
// tests run) through commonmark.js (9 ES modules: prototype-built classes, a renderer
// hierarchy) and marked (one bundled module of classes). Each library is copied into the
// project, so the loader treats it as the project's code, and run three ways: plain Node,
// under the loader, and under the loader after each of three reloadAll()s (unchanged
// sources), from parser instances made before the reloads and after. All must agree.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'tests', '.work', String(process.pid), 'libraries');
const ROUNDS = 3;

function copy(name) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, 'node_modules', name), dir, { recursive: true });
  return dir;
}

function runSuite(library, dir, loader) {
  const args = [...(loader ? ['--import', '@hot/loader'] : []), join('tests', 'support', 'spec-runner.js'), library, dir, String(loader ? ROUNDS : 0)];
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26, env: { ...process.env, HOT_QUIET: '1' } });
  assert.is(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

const passing = (output, htmls) => htmls.filter((html, i) => html === output.expected[i]).length;

function agree(library, modules) {
  const dir = copy(library);
  const plain = runSuite(library, dir, false);
  const hot = runSuite(library, dir, true);
  assert.equal(hot.hot, modules, `the library's modules are hot: ${hot.hot}`);
  const differences = (htmls) => htmls.flatMap((html, i) => (html === plain.before[i] ? [] : [`example ${i + 1}: plain ${JSON.stringify(plain.before[i])}, hot ${JSON.stringify(html)}`]));
  assert.equal(differences(hot.before), [], 'under the loader');
  assert.is(hot.reports.length, ROUNDS);
  hot.reports.forEach((report, round) => {
    assert.ok(report.ok, `reloadAll() ${round + 1} failed: ${report.error}`);
    assert.is(report.modules, modules.length, 'every module was reloaded');
    assert.equal(report.warnings, []);
    assert.equal(differences(hot.after[round].old), [], `after reloadAll() ${round + 1}, a parser made before the reloads`);
    assert.equal(differences(hot.after[round].fresh), [], `after reloadAll() ${round + 1}, a parser made after`);
  });
  return { total: plain.expected.length, passing: passing(plain, plain.before) };
}

test('commonmark.js passes the whole CommonMark spec plain, under the loader and after reloadAll()', () => {
  const { total, passing: passed } = agree('commonmark', ['lib/blocks.js', 'lib/common.js', 'lib/from-code-point.js', 'lib/index.js', 'lib/inlines.js', 'lib/node.js', 'lib/render/html.js', 'lib/render/renderer.js', 'lib/render/xml.js']);
  assert.is(total, 652);
  assert.is(passed, total, 'commonmark.js 0.31 passes every example of spec 0.31, as its own tests do');
});

test('marked gives the same HTML for every CommonMark example plain, under the loader and after reloadAll()', () => {
  const { total, passing: passed } = agree('marked', ['lib/marked.esm.js']);
  assert.is(total, 652);
  // marked is not a strict CommonMark implementation: what matters is that every mode agrees.
  assert.ok(passed > 400, `marked matched ${passed} of ${total} examples plain`);
});

test.run();
