// Fault scenarios: each failed batch must leave code and data exactly as before
// and report the original file:line:col.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reload } from '@hot/loader/runtime';
import { stage } from './support/stage.js';

async function failing(fixture, files) {
  fixture.to('v2');
  const report = await reload(files.map((file) => fixture.path(file)));
  assert.is(report.ok, false, 'the reload should fail');
  assert.equal(report.modules, []);
  return report.error;
}

test('a syntax error: nothing changes, the error names file:line:col', async () => {
  const s = stage('fault-syntax');
  const mod = await s.import('mod.js');
  const { run, data } = mod;
  const error = await failing(s, ['mod.js']);
  assert.is(error.code, 'ERR_HOT_PARSE');
  assert.is(error.file, s.path('mod.js'));
  assert.is(error.line, 3);
  assert.is(error.column, 34); // the `1` where a parameter list expected ','
  assert.match(error.message, /Expected/);
  assert.is(run(), 'v1');
  assert.is(mod.data, data);
  assert.is(data.v, 1);
});

test('a throw in new top-level code after new declarations: code, prototypes and data roll back', async () => {
  const s = stage('fault-throw');
  const mod = await s.import('mod.js');
  const { run, data, Unit } = mod;
  const unit = new Unit();
  const error = await failing(s, ['mod.js']);
  assert.is(error.code, 'ERR_HOT_EVALUATION');
  assert.match(error.message, 'boom in v2');
  assert.equal([error.file, error.line, error.column], [s.path('mod.js'), 5, 25]);
  assert.is(run(), 'v1');
  assert.is(unit.act(), 'act1');
  assert.is(new Unit().act(), 'act1');
  assert.is(mod.data, data);
  assert.is(data.v, 1);
  // The module still reloads once fixed.
  s.write('mod.js', s.read('mod.js').replace(/^if .*$/m, ''));
  const fixed = await reload(s.path('mod.js'));
  assert.ok(fixed.ok, JSON.stringify(fixed.error));
  assert.is(run(), 'v2');
  assert.is(unit.act(), 'act2');
  assert.is(mod.data.v, 2);
  assert.equal(fixed.modules[0].added, ['added']);
});

test('one failing module in a batch of two: the other is rolled back too', async () => {
  const s = stage('fault-batch');
  const a = await s.import('a.js');
  const b = await s.import('b.js');
  const config = a.config;
  const error = await failing(s, ['a.js', 'b.js']);
  assert.is(error.code, 'ERR_HOT_EVALUATION');
  assert.equal([error.file, error.line], [s.path('b.js'), 2]);
  assert.is(a.a(), 'a1');
  assert.is(b.b(), 'b1');
  assert.is(a.config, config);
  assert.is(config.v, 1);
});

test('a missing import binding: a link error at the import, nothing changes', async () => {
  const s = stage('fault-link');
  const b = await s.import('b.js');
  const error = await failing(s, ['b.js']);
  assert.is(error.code, 'ERR_HOT_LINK');
  assert.match(error.message, /nope/);
  assert.equal([error.file, error.line, error.column], [s.path('b.js'), 1, 1]);
  assert.is(b.b(), 'b1:a1');
});

test('a missing package or file is a link error at the line and column of its import', async () => {
  const s = stage('fault-missing');
  const mod = await s.import('mod.js');
  const error = await failing(s, ['mod.js']);
  assert.is(error.code, 'ERR_HOT_LINK');
  assert.match(error.message, "Cannot find package 'not-installed-anywhere'");
  assert.equal([error.file, error.line, error.column], [s.path('mod.js'), 4, 23]);
  s.to('v3');
  const file = await reload(s.path('mod.js'));
  assert.is(file.error.code, 'ERR_HOT_LINK');
  assert.match(file.error.message, 'Cannot find module');
  assert.equal([file.error.file, file.error.line, file.error.column], [s.path('mod.js'), 2, 24]);
  assert.is(mod.run(), 'v1');
});

test('a new module that fails on its first load can be fixed and loaded by the next reload', async () => {
  const s = stage('fault-new-dep');
  const game = await s.import('game.js');
  const thrown = await failing(s, ['game.js']);
  assert.is(thrown.code, 'ERR_HOT_EVALUATION');
  assert.is(thrown.file, s.path('helper.js'));
  assert.is(game.describe(), 'v1');
  s.to('v3');
  const parse = await reload(s.path('game.js'));
  assert.is(parse.error.code, 'ERR_HOT_PARSE');
  assert.is(parse.error.file, s.path('helper.js'));
  assert.is(game.describe(), 'v1');
  s.to('v4');
  const fixed = await reload(s.path('game.js'));
  assert.ok(fixed.ok, JSON.stringify(fixed.error));
  assert.is(game.describe(), 'v2 fixed helper');
});

test.run();
