// Scenarios that act on every loaded module or on the batch history
// (reloadAll, rollback): they run in a process of their own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reload, reloadAll, rollback } from '@hot/loader/runtime';
import { reloaded, stage } from './support/stage.js';


test('rollback() restores code, cells, prototypes and data', async () => {
  const s = stage('rollback');
  const tuning = await s.import('tuning.js');
  const { describe, Ship } = tuning;
  const speed = tuning.speed;
  const ship = new Ship();
  await reloaded(s, ['tuning.js']);
  assert.is(describe(), 'd2');
  assert.is(ship.fly(), 'fly2');
  assert.is(tuning.speed.v, 2);
  const report = await rollback();
  assert.ok(report.ok, JSON.stringify(report.error));
  assert.is(describe(), 'd1');
  assert.is(ship.fly(), 'fly1');
  assert.is(tuning.speed, speed);
  const empty = await rollback();
  assert.is(empty.ok, false);
  assert.is(empty.error.code, 'ERR_HOT_NOTHING_TO_ROLL_BACK');
});

test('reloadAll() twice with unchanged sources changes nothing observable', async () => {
  const s = stage('unchanged');
  const world = await s.import('world.js');
  const declined = stage('decline');
  await declined.import('fixed.js');
  const snapshot = () => ({ entities: world.entities, step: world.step, Ship: world.Ship, config: world.config, tick: world.tick });
  world.step();
  const ship = new world.Ship();
  const before = snapshot();
  for (let i = 0; i < 2; i++) {
    const report = await reloadAll();
    assert.ok(report.ok, JSON.stringify(report.error));
    const skipped = report.modules.find((m) => m.file === declined.path('fixed.js'));
    assert.equal(skipped.warnings, ['not reloaded: the module called import.meta.hot.decline()']);
    assert.is(skipped.version, 1);
    const mine = report.modules.find((m) => m.file === s.path('world.js'));
    assert.equal(mine.replaced, []);
    assert.equal(mine.added, []);
    assert.equal(mine.removed, []);
    assert.equal(mine.reran, [], 'no top-level statement ran again: the migrate() registration neither');
    const after = snapshot();
    for (const key of Object.keys(before)) assert.is(after[key], before[key], key);
  }
  assert.is(world.entities.get('a').hp, 3);
  assert.equal(world.runs, ['top-level statement ran']);
  assert.is(ship.fly(), 'fly');
  assert.is(world.step(), 2);
});

test.run();
