// Transactions: what a failed batch and rollback() undo, and what they must never undo
// (the game's own writes while a batch is open or after it). Runs under --import @hot/loader.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reload, reloadAll, rollback } from '@hot/loader/runtime';
import { reloaded, stage, until } from './support/stage.js';

test('no write of the game is lost: a failed batch and rollback() leave kept data as the game wrote it', async () => {
  const s = stage('game-writes');
  const counter = await s.import('counter.js');
  let ticks = 0;
  const tick = () => {
    counter.inc();
    counter.record(1000 + ticks);
    ticks++;
  };
  const timer = setInterval(tick, 1);
  try {
    await until(() => ticks >= 5, 'the game ticks');
    s.to('v2');
    const before = ticks;
    const failed = await reload(s.path('counter.js'));
    assert.not.ok(failed.ok, 'v2 throws after its await');
    assert.ok(ticks > before, `the game ticked while the batch was open (${ticks - before} ticks)`);
    await until(() => ticks >= before + 20, 'more ticks');
    clearInterval(timer);
    assert.is(counter.count, ticks, 'every increment counted: none was in the failed batch\'s undo log');
    assert.is(counter.best, 1000 + ticks - 1, 'a binding the failed batch replaced keeps what the game wrote after it');

    const bestBefore = counter.best;
    const resumed = setInterval(() => {
      counter.inc();
      ticks++;
    }, 1);
    try {
      const report = await reloaded(s, ['counter.js'], 'v3');
      assert.equal(report.modules[0].replaced.sort(), ['best', 'inc']);
      assert.is(counter.best, 100, 'the batch replaced best');
      await until(() => ticks >= 60, 'ticks after the commit');
    } finally {
      clearInterval(resumed);
    }
    counter.record(5000);
    const undone = await rollback();
    assert.ok(undone.ok);
    assert.is(counter.count, ticks, 'rollback() keeps a binding the batch kept as the game wrote it');
    assert.is(counter.best, bestBefore, 'rollback() restores a replaced binding to its value from before the batch');
    assert.ok(undone.modules[0].warnings.some((w) => /best is back to its value from before the reload, replacing a value written after it/.test(w)), `the overwrite is named: ${undone.modules[0].warnings}`);
    assert.is(counter.inc(), ticks + 1, 'the old code runs again');
  } finally {
    clearInterval(timer);
  }
});

test('a kind change is undone in importers too: by a failed batch and by rollback()', async () => {
  const s = stage('kind-undo');
  const { use } = await s.import('user.js');
  await s.import('shape.js');
  assert.is(use(), 'function v1');
  s.to('v2');
  const failed = await reload(s.path('shape.js'));
  assert.not.ok(failed.ok);
  assert.is(use(), 'function v1', 'the importer has the function again');
  await reloaded(s, ['shape.js'], 'v3');
  assert.is(use(), 'data v3');
  assert.ok((await rollback()).ok);
  assert.is(use(), 'function v1', 'rollback() gives the importer the function back');
  s.to('v3');
  await reloaded(s, ['shape.js'], 'v3');
  assert.is(use(), 'data v3', 'and a later reload applies again');
});

test('reloadAll() with unchanged sources keeps data and identities, except what a pragma asks for', async () => {
  const s = stage('reload-all');
  const world = await s.import('world.js');
  const { table, players, log } = world;
  assert.is(log.runs, 1);
  for (let round = 1; round <= 2; round++) {
    const report = await reloadAll();
    assert.ok(report.ok);
    const mine = report.modules.find((m) => m.file.endsWith('world.js'));
    assert.equal(mine.replaced, ['table'], '@hot replace-data replaces, as the pragma says');
    assert.not.equal(world.table, table);
    assert.is(world.players, players, 'kept data keeps its identity');
    assert.is(world.migrations, 0, 'a migration whose statement did not change does not run again');
    assert.is(world.log, log);
    assert.is(log.runs, 1 + round, 'a @hot rerun statement runs again');
  }
});

test.run();
