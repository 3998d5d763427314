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
      assert.ok(report.modules[0].warnings.some((w) => /awaits at its top level: other code ran while the batch was open/.test(w)), 'a top-level await is named: the one case where the game can see a batch open');
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

test('no tick sees a batch before it commits: never a mix of versions, never code of a batch that fails', async () => {
  const s = stage('atomic');
  const modules = await Promise.all(['a.js', 'b.js', 'c.js'].map((file) => s.import(file)));
  const seen = new Set();
  let ticks = 0;
  let running = true;
  const tick = () => {
    seen.add(modules.map((m) => m.version()).join(','));
    ticks++;
    if (running) setImmediate(tick);
  };
  tick();
  const write = (version, broken) => {
    for (const name of ['a', 'b', 'c']) {
      s.write(`${name}.js`, `import { mark } from './marks.js';\nexport function version() { return mark('${name}', '${version}'); }\n${broken && name === 'c' ? "throw new Error('c is broken');\n" : ''}`);
    }
  };
  try {
    let during = 0;
    for (let round = 2; round <= 13; round++) {
      const broken = round % 3 === 0;
      write(`v${round}`, broken);
      const before = ticks;
      const report = await reload(['a.js', 'b.js', 'c.js'].map((file) => s.path(file)));
      during += ticks - before;
      assert.is(report.ok, !broken, `round ${round}: ${JSON.stringify(report.error)}`);
      if (broken) write(`v${round - 1}`, false);
    }
    assert.ok(during > 0, 'the game ticked while batches loaded');
  } finally {
    running = false;
  }
  const mixed = [...seen].filter((state) => new Set(state.split(',')).size > 1);
  assert.equal(mixed, [], 'no tick saw some modules new and others old');
  const failed = [...seen].filter((state) => ['v3', 'v6', 'v9', 'v12'].includes(state.split(',')[0]));
  assert.equal(failed, [], 'no tick ran code of a batch that failed');
});

test.run();
