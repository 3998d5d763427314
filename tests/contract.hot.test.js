// Reload scenarios, one per clause of DESIGN.md's "The contract". Each stages a
// fixture's v1 files, uses them, swaps in v2, reloads, and asserts what old
// references, old instances and importers see. Runs under --import @hot/loader.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reload, status } from '@hot/loader/runtime';
import { reloaded, stage, until } from './support/stage.js';


test('saved function references run the new code and keep their identity', async () => {
  const s = stage('saved-refs');
  const mod = await s.import('mod.js');
  const holder = await s.import('holder.js');
  assert.is(holder.saved('a'), 'hello a');
  const before = mod.greet;
  await reloaded(s, ['mod.js']);
  assert.is(holder.saved('a'), 'hi a');
  assert.is(holder.table.greet('b'), 'hi b');
  assert.is(holder.bound(), 'hi x');
  assert.is(mod.greet, before);
  assert.is(holder.saved, mod.greet);
  assert.is(mod.greet.name, 'greet');
  assert.is(typeof mod.greet, 'function');
});

test('default parameters and length follow the new version', async () => {
  const s = stage('default-params');
  const mod = await s.import('mod.js');
  const spawn = mod.spawn;
  assert.is(spawn('a'), 'a:10');
  assert.is(spawn.length, 1);
  await reloaded(s, ['mod.js']);
  assert.is(spawn('a', 'b'), 'a:b:25:1');
  assert.is(spawn.length, 2);
});

test('a method copied into another module runs the new code', async () => {
  const s = stage('copied-method');
  const { Player } = await s.import('player.js');
  const { fire } = await s.import('hotfix.js');
  const p = new Player('p');
  assert.is(fire.call(p), 'p fires v1');
  await reloaded(s, ['player.js']);
  assert.is(fire.call(p), 'p fires v2');
  assert.is(p.fire(), 'p fires v2');
});

test('instances made before a reload get new and changed methods and accessors', async () => {
  const s = stage('instances');
  const { Player } = await s.import('player.js');
  const p = new Player();
  assert.is(p.hit(1), 9);
  assert.is(p.legacy(), 'old');
  await reloaded(s, ['player.js']);
  assert.is(p.legacy, undefined, 'a removed method leaves the prototype');
  assert.is(p.hit(1), 7);
  assert.is(p.alive, true);
  assert.is(p.heal(1), 8);
  p.health = 0.3;
  assert.is(p.hp, 3);
  assert.is(p.alive, false);
  assert.ok(p instanceof Player);
});

test('new instances run the new constructor; the class keeps one identity', async () => {
  const s = stage('constructor');
  const mod = await s.import('player.js');
  const Player = mod.Player;
  const old = new Player('old');
  await reloaded(s, ['player.js']);
  const fresh = new Player('new');
  assert.equal({ ...old }, { name: 'old', hp: 10 });
  assert.equal({ ...fresh }, { name: 'new', hp: 50, mana: 5 });
  assert.is(mod.Player, Player);
  assert.ok(old instanceof Player && fresh instanceof Player);
  assert.is(fresh.constructor, Player);
  assert.is(Player.create('c').constructor, Player);
  assert.is(Player.name, 'Player');
});

test('base classes construct through a shell that allocates: across forms, argument counts and constructor results', async () => {
  const s = stage('class-forms');
  const mod = await s.import('shape.js');
  const { Shape, Box, Bag, Swap, Late, Tag } = mod;
  const old = new Shape(2, 3);
  assert.is(old.area(), 6);
  assert.is(new Shape(4).h, 1, 'a default parameter applies to a missing argument');
  assert.is(Shape.length, 1, 'length as the constructor declares it');
  assert.equal(Object.getOwnPropertyNames(Shape.prototype), ['constructor', 'area'], 'reflection sees the members, no constructor body under another name');
  assert.is(Shape.unit().area(), 1);
  assert.is(mod.make(5, 5).area(), 25);
  const box = new Box(1, 2, 3);
  assert.ok(box instanceof Box && box instanceof Shape);
  assert.equal({ ...box }, { w: 1, h: 2, d: 3 });
  assert.is(box.volume(), 6);
  assert.equal(new Bag(1, 2, 3).items, [1, 2, 3]);
  assert.equal({ ...new Swap(1, 2) }, { a: 1, b: 2 });

  await reloaded(s, ['shape.js']);
  assert.is(mod.Shape, Shape);
  assert.is(old.area(), 60, 'an instance made before runs the new method');
  const fresh = new Shape(2, 3, 'a', 'b');
  assert.equal({ ...fresh }, { kind: 'shape', w: 2, h: 3, tags: ['a', 'b'] }, 'a class in the other form gets its field and the arguments as given');
  assert.equal(new Shape(2).tags, [], 'no padding reaches a rest parameter');
  assert.ok(fresh instanceof Shape && fresh.constructor === Shape);
  assert.equal({ ...new Box(1, 2, 3) }, { kind: 'shape', w: 1, h: 2, tags: [], d: 3 }, 'a subclass constructs through the base in its new form');
  assert.is(new Box(1, 2, 3).volume(), 60);
  assert.equal(new Bag(1, 2, 3).items, [3, 2, 1]);
  assert.equal(new Swap(1, 2), { swapped: [2, 1] }, 'an object returned by the constructor is what new gives');
  const late = new Late(5);
  assert.ok(late instanceof Late && late instanceof Tag, 'a class that now extends another constructs through it');
  assert.equal({ ...late }, { tagged: true, x: 5 });

  await reloaded(s, ['shape.js'], 'v3');
  assert.equal({ ...new Shape(1, 2, 3, 4, 5) }, { w: 1, h: 2, rest: [3, 4, 5] }, 'more arguments than the shell names by itself');
  assert.is(Shape.length, 5);
  assert.is(old.area(), 600);
  assert.equal({ ...new Box(1, 2, 3) }, { w: 1, h: 2, rest: [undefined, undefined, undefined], d: 3 });
  assert.equal({ ...new Swap(1, 2) }, { a: 2, b: 1 });
  assert.equal({ ...new Late(5) }, { x: -5 });
  assert.not.ok(new Late(1) instanceof Tag);
});

test('a subclass in another module keeps working, super calls reach the new base', async () => {
  const s = stage('subclass');
  const { Entity } = await s.import('base.js');
  const { Mage } = await s.import('mage.js');
  const m = new Mage(1);
  assert.is(m.describe(), 'mage:entity@1');
  await reloaded(s, ['base.js']);
  assert.is(m.describe(), 'mage:ENTITY@1');
  const m2 = new Mage(2);
  assert.equal({ ...m2 }, { x: 2, y: 1, mana: 3 });
  assert.ok(m instanceof Entity && m instanceof Mage && m2 instanceof Entity);
  await reloaded(s, ['mage.js'], 'v3');
  assert.is(m.describe(), 'wizard:ENTITY@1');
  assert.is(new Mage(3).mana, 30);
});

test('static methods and a saved static reference run the new code; static data follows the data rules', async () => {
  const s = stage('statics');
  const { Registry } = await s.import('registry.js');
  const { make } = await s.import('user.js');
  assert.is(Registry.create(), 'v1#1');
  assert.is(Registry.LIMIT, 5);
  const report = await reloaded(s, ['registry.js']);
  assert.is(make(), 'v2#2');
  assert.is(Registry.create(), 'v2#3');
  assert.is(Registry.count, 3);
  assert.is(Registry.LIMIT, 9);
  assert.equal(report.modules[0].replaced, ['Registry']);
});

test('a bound method registered on an EventEmitter runs the new code', async () => {
  const s = stage('emitter');
  const { bus, player } = await s.import('game.js');
  bus.emit('hit', 1);
  await reloaded(s, ['player.js']);
  bus.emit('hit', 2);
  assert.equal(player.hits, ['v1:1', 'v2:2']);
  assert.is(bus.listenerCount('hit'), 1);
});

test('unchanged data is kept: the same object, seen by new code', async () => {
  const s = stage('data-kept');
  const state = await s.import('state.js');
  const players = state.players;
  players.set('a', 1);
  const report = await reloaded(s, ['state.js']);
  assert.is(state.players, players);
  assert.is(state.count(), 'v2 1');
  assert.equal(report.modules[0].kept.sort(), ['players', 'round']);
  assert.equal(report.modules[0].replaced, ['count']);
});

test('edited data is replaced and seen by importers; dependants of replaced data follow', async () => {
  const s = stage('data-replaced');
  const config = await s.import('config.js');
  const combat = await s.import('combat.js');
  const unrelated = config.UNRELATED;
  assert.is(combat.damage('sword'), 3);
  assert.is(combat.double(), 20);
  const report = await reloaded(s, ['config.js']);
  assert.is(combat.damage('sword'), 7);
  assert.is(combat.damage('axe'), 9);
  assert.is(combat.double(), 100);
  assert.is(config.DOUBLE, 100);
  assert.is(config.UNRELATED, unrelated);
  assert.equal(report.modules[0].replaced.sort(), ['BASE', 'DOUBLE', 'WEAPONS']);
});

test('writes by the new version to an exported let reach importers of the first version', async () => {
  const s = stage('let-writes');
  const score = await s.import('score.js');
  const { read } = await s.import('reader.js');
  assert.is(score.add(1), 1);
  assert.is(read(), 1);
  await reloaded(s, ['score.js']);
  assert.is(score.add(1), 11);
  assert.is(read(), 11);
  assert.is(score.score, 11);
  const latest = await s.import('score.js');
  assert.is(latest.score, 11);
  assert.is(latest.bump(), 15);
  assert.is(read(), 15);
  assert.is(score.score, 15);
  latest.reset();
  assert.is(read(), 0);
});

test('@hot keep-data and @hot replace-data, on a declaration and at the top of a file', async () => {
  const s = stage('pragmas');
  const state = await s.import('state.js');
  const keepall = await s.import('keepall.js');
  const { tuning, cache, limits } = state;
  const { a, b } = keepall;
  await reloaded(s, ['state.js', 'keepall.js']);
  assert.is(state.tuning, tuning);
  assert.is(state.tuning.speed, 1);
  assert.is.not(state.cache, cache);
  assert.is.not(state.limits, limits);
  assert.is(state.limits.max, 2);
  assert.is(keepall.a, a);
  assert.is(keepall.a.n, 1);
  assert.is.not(keepall.b, b);
  assert.is(keepall.b.n, 2);
});

test('removed and added exports: old references keep working, later modules import the new ones', async () => {
  const s = stage('exports-change');
  const api = await s.import('api.js');
  const old = api.old;
  const report = await reloaded(s, ['api.js']);
  assert.equal(report.modules[0].removed, ['old']);
  assert.equal(report.modules[0].added, ['fresh']);
  assert.match(report.modules[0].warnings.join('\n'), /old was removed/);
  assert.is(old(), 'old');
  assert.is(api.keep(), 'keep2');
  const later = await s.import('later.js');
  assert.is(later.value, 'fresh');
});

test('a binding that changes kind takes the new value and is reported', async () => {
  const s = stage('kind-change');
  const kinds = await s.import('kinds.js');
  const oldShape = kinds.shape;
  const report = await reloaded(s, ['kinds.js']);
  assert.is(kinds.thing(), 'now a function');
  assert.is(new kinds.shape().describe(), 'now a class');
  assert.is(oldShape(), 'fn');
  const warnings = report.modules[0].warnings.join('\n');
  assert.match(warnings, /thing changed from data to function/);
  assert.match(warnings, /shape changed from function to class/);
});

test('default exports of every form', async () => {
  const s = stage('default-exports');
  const anon = await s.import('anon.js');
  const boss = await s.import('boss.js');
  const expr = await s.import('expr.js');
  const arrow = await s.import('arrow.js');
  const savedAnon = anon.default;
  const savedArrow = arrow.default;
  const monster = new boss.default();
  assert.is(savedAnon(), 'anon1');
  assert.is(savedAnon.name, 'default');
  await reloaded(s, ['anon.js', 'boss.js', 'expr.js', 'arrow.js']);
  assert.is(savedAnon(), 'anon2');
  assert.is(anon.default, savedAnon);
  assert.is(monster.roar(), 'roar2');
  assert.ok(monster instanceof boss.default);
  assert.is(expr.default.level, 2);
  assert.is(savedArrow(), 'arrow2');
});

test('arrow, function-expression and wrapped functions bound with const', async () => {
  const s = stage('const-functions');
  const fns = await s.import('fns.js');
  const { arrow, expr, wrapped, alias } = fns;
  assert.is(wrapped('a'), 'wrapped:inner1:a');
  assert.is(arrow.name, 'arrow');
  assert.is(alias, console.log);
  await reloaded(s, ['fns.js']);
  assert.is(arrow('a'), 'arrow2:a');
  assert.is(expr('a'), 'expr2:a');
  assert.is(wrapped('a'), 'wrapped:inner2:a');
  assert.is(fns.wrapped, wrapped);
  assert.is(fns.alias, console.log);
  assert.is(arrow.prototype, undefined);
});

test('a stateful function object made by a factory call keeps its state; routes added through it reach it', async () => {
  const s = stage('factory');
  const router = await s.import('router.js');
  const app = router.app;
  assert.is(app('/a'), 'a1');
  const routes = app.routes;
  await reloaded(s, ['router.js']);
  assert.is(router.app, app);
  assert.is(app.routes, routes);
  assert.is(app('/a'), 'a2');
  assert.is(app('/b'), 'b2');
  assert.is(app.routes.size, 2);
  assert.is(app('/c'), 404, 'the kept app keeps its own code');
});

test('import cycles: hoisted functions called before the module body runs, and a reload of both', async () => {
  const s = stage('cycles');
  const a = await s.import('a.js');
  const b = await s.import('b.js');
  assert.is(b.early, 'leafA1');
  assert.is(a.a(), 'a1>b1:leafA1');
  await reloaded(s, ['a.js', 'b.js']);
  assert.is(a.a(), 'a2>b2:leafA2');
});

test('async and generator functions keep their kind, and keep it when the kind changes', async () => {
  const s = stage('fn-kinds');
  const kinds = await s.import('kinds.js');
  const { load, ids, stream } = kinds;
  assert.is(load.constructor.name, 'AsyncFunction');
  assert.is(ids.constructor.name, 'GeneratorFunction');
  assert.is(stream.constructor.name, 'AsyncGeneratorFunction');
  await reloaded(s, ['kinds.js']);
  assert.is(await load(), 'load2');
  assert.equal([...ids()], [10, 20]);
  const items = [];
  for await (const item of stream()) items.push(item);
  assert.equal(items, ['a2']);
  const report = await reloaded(s, ['kinds.js'], 'v3');
  assert.is(kinds.load, load);
  assert.is(load.constructor.name, 'AsyncFunction');
  assert.is(load(), 'sync3', 'the new code runs, and returns what it returns: no promise');
  assert.equal(report.modules[0].warnings, ['load was async and is no longer: the stand-in keeps the kind it was born with (constructor.name AsyncFunction), but calls now return what the new code returns']);
});

test('an async call in flight finishes on the old code; new calls run the new code', async () => {
  const s = stage('in-flight');
  const { job } = await s.import('job.js');
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const pending = job(gate);
  await reloaded(s, ['job.js']);
  release();
  assert.is(await pending, 'finished by v1');
  assert.is(await job(Promise.resolve()), 'finished by v2');
});

test('export * and aliased exports see the new code', async () => {
  const s = stage('export-star');
  const index = await s.import('index.js');
  assert.is(index.reveal(), 'secret1');
  await reloaded(s, ['core.js']);
  assert.is(index.hit(), 'hit2');
  assert.is(index.strike(), 'hit2');
  assert.is(index.reveal(), 'secret2');
});

test('destructured declarations: one decision per pattern', async () => {
  const s = stage('destructured');
  const conf = await s.import('conf.js');
  const rest = conf.rest;
  assert.equal([conf.speed, conf.w, conf.h], [1, 2, 3]);
  await reloaded(s, ['conf.js']);
  assert.equal([conf.speed, conf.w, conf.h], [5, 6, 7]);
  assert.is(conf.first, 1);
  assert.is(conf.rest, rest);
});

test('dispose runs after the new version evaluated, with its own version\'s values; data survives versions; a failed reload disposes nothing', async () => {
  const s = stage('dispose');
  const { log } = await s.import('log.js');
  const server = await s.import('server.js');
  const first = server.server;
  assert.equal(log, ['open']);
  // v2 edits the statement that registered the handler: v1's handler runs at commit, after
  // v2's `@hot rerun` statement counted its load.
  await reloaded(s, ['server.js']);
  assert.equal(log, ['open', 'dispose v1 loads=2']);
  assert.is(server.server, first);
  assert.is(server.version, 'v2');
  s.to('v3');
  const failed = await reload(s.path('server.js'));
  assert.is(failed.ok, false);
  assert.equal(log, ['open', 'dispose v1 loads=2']);
  assert.is(server.version, 'v2');
});

test('unchanged top-level statements do not run again; new, edited and data-dependent ones do; pragmas; matched by content', async () => {
  const s = stage('statements');
  const { bus, log } = await s.import('bus.js');
  await s.import('game.js');
  assert.equal(log.splice(0), ['setup with BASE 10', 'every load', 'first load only', 'block ran']);
  bus.emit('hit', 1);
  assert.equal(log.splice(0), ['hit 1 v1']);

  const second = await reloaded(s, ['game.js']);
  assert.equal(log.splice(0), ['every load', 'a new statement'], 'a line inserted above re-runs nothing below it; `once` stays once');
  assert.equal(second.modules[0].reran, [9, 14]);
  assert.is(bus.listenerCount('hit'), 1, 'the unchanged bus.on(...) did not register again');
  bus.emit('hit', 2);
  assert.equal(log.splice(0), ['hit 2 v2'], 'the kept listener calls the new function');

  const third = await reloaded(s, ['game.js'], 'v3');
  assert.equal(log.splice(0), ['setup with BASE 20', 'every load', 'block ran', 'dispose kept registration'],
    'statements reading the replaced BASE run again; the handler of the edited dispose statement (carried from v1) runs at commit');
  assert.equal(third.modules[0].reran, [6, 8, 11, 12], 'the edited dispose statement is new text: it runs and registers its handler');
  assert.is(bus.listenerCount('hit'), 1);
  bus.emit('hit', 3);
  assert.equal(log.splice(0), ['hit 3 v3']);

  const again = await reload(s.path('game.js'));
  assert.ok(again.ok);
  assert.equal(log.splice(0), ['every load'], 'a reload of an unchanged source runs only `@hot rerun` statements');
  assert.is(bus.listenerCount('hit'), 1);
});

test('a dispose handler sees its own version: the old timer is cleared, not the one the new version started', async () => {
  const s = stage('interval');
  const mod = await s.import('timer.js');
  const first = mod.timer;
  const report = await reloaded(s, ['timer.js']);
  assert.is(mod.timer.id, 'v2');
  assert.equal(mod.log, ['cleared v1'], 'the dispose statement reads the replaced timer, so it ran again; the old handler saw the old timer');
  assert.is(first.handle._destroyed, true, 'the v1 interval is cleared');
  assert.is(mod.timer.handle._destroyed, false, 'the v2 interval runs');
  assert.equal(report.modules[0].reran, [3]);
  clearInterval(mod.timer.handle);
});

test('inline functions swap in place: an edited handler runs behind what its statement registered; nothing registers twice', async () => {
  const s = stage('inline');
  const { bus, log } = await s.import('bus.js');
  const game = await s.import('game.js');
  const { handlers, timer, doubled } = game;
  const { move } = handlers;
  const { EventEmitter } = await import('node:events');
  const player = new EventEmitter();
  bus.emit('join', player);
  bus.emit('hit', 1);
  await until(() => log.includes('tick v1'), 'the v1 interval ticks');
  log.splice(0);
  const counts = () => ['hit', 'join', 'loop:a', 'named'].map((event) => bus.listenerCount(event));
  assert.equal(counts(), [1, 1, 1, 1]);

  const second = await reloaded(s, ['game.js']);
  const report = second.modules[0];
  assert.equal(report.reran, [16], 'only the loop, whose arrow reads the loop variable, runs again');
  assert.equal(report.swapped, [4, 5, 6, 11, 12, 14, 17], 'the hit and join handlers, the say handler made inside the join handler, both methods, the interval callback, the named function');
  assert.equal(report.replaced, ['BONUS', 'doubled'], 'a callback that runs while its initializer runs is part of it');
  assert.ok(report.warnings.some((w) => w.includes('line 5') && w.includes('keep their old code')), `a warning names the join handler, whose named leave handler changed: ${report.warnings}`);
  assert.equal(counts(), [1, 1, 1, 1], 'no listener registered twice; the loop ran again and what its first run registered was released');
  assert.equal(report.released, ['2 listeners']);
  log.splice(0);
  bus.emit('hit', 1);
  assert.equal(log.splice(0), ['hit 11 v2'], 'the kept listener runs the new code and reads the new BONUS');
  player.emit('say', 'hi');
  player.emit('leave');
  assert.equal(log.splice(0), ['say hi v2', 'leave v1'], 'a closure the old handler passed to a call runs the new code; a named function made inside it keeps its code');
  const newcomer = new EventEmitter();
  bus.emit('join', newcomer);
  newcomer.emit('say', 'yo');
  newcomer.emit('leave');
  assert.equal(log.splice(0), ['join v2', 'say yo v2', 'leave v2']);
  assert.is(game.handlers, handlers, 'the object with the edited methods is kept');
  assert.is(handlers.move, move, 'a method taken before the reload is the same function');
  assert.is(move('x'), 'move x v2');
  assert.is(handlers.fire('y'), 'fire y v2');
  assert.is(move.name, 'move');
  assert.is(game.timer, timer, 'the interval is the one v1 started');
  await until(() => log.includes('tick v2'), 'the v1 interval runs the v2 callback');
  assert.not.ok(log.includes('tick v1'));
  assert.equal(game.doubled, [3, 6]);
  assert.is.not(game.doubled, doubled);
  assert.is(bus.listeners('named')[0](3), 'greet v2', 'a named function expression calling itself calls the new code');

  const third = await reloaded(s, ['game.js'], 'v3');
  const r3 = third.modules[0];
  assert.equal(r3.reran, [20], 'inserted lines move nothing; the statement whose event name changed runs again');
  assert.equal(r3.swapped, [7]);
  assert.is.not(game.handlers, handlers, 'reordered methods are a new skeleton: a new object');
  assert.is(game.handlers.move('z'), 'move z v3');
  assert.is(move('z'), 'move z v2', 'the old object keeps the code it had');
  assert.is(bus.listenerCount('renamed'), 1);
  assert.is(bus.listenerCount('named'), 0, 'the listener of the edited statement was released');
  assert.equal(r3.released, ['1 listener']);
  clearInterval(game.timer);
});

test('a module that declares its own Symbol, Reflect, globalThis, Object, Function, Proxy, WeakMap or Error loads and reloads', async () => {
  const shadows = {
    symbol: "var Symbol = globalThis.Symbol; // lodash-es's _Symbol.js does this",
    reflect: 'const Reflect = {};',
    globalthis: 'const globalThis = {};',
    object: "const Object = { label: 'mine' };",
    function: "const Function = 'mine';",
    proxy: 'const Proxy = null;',
    weakmap: 'const WeakMap = Map;',
    error: 'class Error { constructor(message) { this.message = message; } }',
  };
  const s = stage('shadowed');
  const source = (name, version) => `${shadows[name]}\n${s.read('body.txt').replaceAll('VERSION', String(version))}`;
  for (const name of Object.keys(shadows)) {
    s.write(`${name}.js`, source(name, 1));
    const mod = await s.import(`${name}.js`);
    const { add, Point, handlers, made } = mod;
    const old = new Point(2);
    assert.is(add(1, 2), 3, name);
    assert.is(old.double, 4, name);
    assert.ok(Point.make(1) instanceof Point, name);
    assert.is(handlers.move(1), 2, name);
    assert.is(made(), 'made v1', name);
    assert.equal(mod.seen, ['statement ran'], name);
    s.write(`${name}.js`, source(name, 2));
    const report = await reload(s.path(`${name}.js`));
    assert.ok(report.ok, `${name}: ${JSON.stringify(report.error)}`);
    assert.is(mod.version, 'v2', name);
    assert.is(add(1, 2), 4, `${name}: a saved reference runs the new code`);
    assert.is(old.double, 8, `${name}: an old instance runs the new getter`);
    assert.ok(new Point(1) instanceof Point, name);
    assert.is(handlers.move(1), 3, name);
    assert.is(new mod.Legacy(5).x, 5, `${name}: a plain function called with new, through its stand-in`);
    assert.is(made(), 'made v2', name);
    assert.equal(mod.seen, ['statement ran'], `${name}: the unchanged statement did not run again`);
  }
});

test('a reload of an unchanged source (what reloadAll() does) changes no behaviour: a two-pass "add if absent" mixin stays as it was', async () => {
  const s = stage('mixin');
  const { Wrapper } = await s.import('lib.js');
  const before = [new Wrapper('Ab').upper() instanceof Wrapper, new Wrapper('Ab').lower()];
  assert.equal(before, [true, 'ab']);
  const report = await reload(s.path('lib.js'));
  assert.ok(report.ok, JSON.stringify(report.error));
  assert.equal(report.modules[0].version, 2, 'a new version was evaluated');
  assert.equal(report.modules[0].reran, [], 'no statement ran again');
  assert.equal([new Wrapper('Ab').upper() instanceof Wrapper, new Wrapper('Ab').lower()], before, 'lower() still returns a plain value');
});

test('class members are own properties where a plain class has them, before and after a reload: reflection, a mixin, auto-binding', async () => {
  const s = stage('reflection');
  const mod = await s.import('logger.js');
  const { Logger, Entry } = mod;
  const names = () => Object.getOwnPropertyNames(Logger.prototype).sort();
  assert.equal(names(), ['constructor', 'level', 'log', 'old']);
  assert.equal(Object.getOwnPropertySymbols(Logger.prototype), [Symbol.iterator]);
  assert.equal(Object.getOwnPropertyNames(Logger).filter((k) => !['length', 'name', 'prototype'].includes(k)).sort(), ['instance', 'kind', 'make']);
  assert.ok(Logger.instance instanceof Logger, 'a static getter runs with the class as `this`');
  assert.is(Object.getOwnPropertyDescriptor(Logger.prototype, 'level').get.call({}), 'info v1');
  assert.is(Logger.prototype.constructor, Logger);
  const early = new Logger('a');
  assert.is(early.log('hi'), 'a: hi v1');
  assert.equal(Object.keys(early).sort(), ['log', 'name', 'old'], 'auto-binding found the methods');
  assert.is(new Entry().stamp(), 'stamp v1', 'the mixin copied the method');

  await reloaded(s, ['logger.js']);
  assert.equal(names(), ['added', 'constructor', 'level', 'log'], 'the new members, the removed one gone');
  assert.is(Object.getOwnPropertyDescriptor(Logger.prototype, 'level').get.call({}), 'info v2');
  assert.is(Logger.kind, 'logger v2');
  assert.equal([...early], ['v2']);
  assert.is(early.log('hi'), 'a: hi v2', 'a method bound before the reload runs the new code');
  assert.is(early.level, 'info v2');
  assert.is(new Entry().stamp(), 'stamp v2', 'the copy the mixin made before the reload (the statement did not run again) forwards to the new method');
  assert.is(Logger.instance, Logger.instance);
  assert.ok(Logger.instance instanceof Logger);
  const late = Logger.make('b');
  assert.equal(Object.keys(late).sort(), ['added', 'log', 'name']);
  assert.ok(late instanceof Logger && early instanceof Logger);
});

test('Error.captureStackTrace(error, fn) through a function made by a call trims as plain: the caller is the first frame', async () => {
  const s = stage('capture');
  const { parse } = await s.import('lib.js');
  let stack = '';
  try {
    parse(-1);
  } catch (error) {
    stack = error.stack;
  }
  const first = stack.split('\n')[1] ?? '';
  assert.match(first, 'contract.hot.test.js', `the first frame is the caller: ${first}`);
  assert.not.match(stack, /runtime[\\/]index\.js|standin/, 'no frame of the loader');
});

test('migrate() converts a kept value whose shape changed', async () => {
  const s = stage('migrate');
  const state = await s.import('state.js');
  const report = await reloaded(s, ['state.js']);
  assert.equal(state.players.get('a'), { hp: 1, mana: 0, migrated: '1->2' });
  assert.equal(report.modules[0].replaced, ['players']);
});

test('decline() makes a reload fail with ERR_HOT_DECLINED and change nothing', async () => {
  const s = stage('decline');
  const fixed = await s.import('fixed.js');
  s.to('v2');
  const report = await reload(s.path('fixed.js'));
  assert.is(report.ok, false);
  assert.is(report.error.code, 'ERR_HOT_DECLINED');
  assert.is(fixed.x, 1);
});

test('reload() from the top-level code of a module being reloaded fails fast instead of waiting for itself', async () => {
  const s = stage('reentrant');
  const mod = await s.import('mod.js');
  const report = await reloaded(s, ['mod.js']);
  assert.is(mod.inner.ok, false);
  assert.is(mod.inner.error.code, 'ERR_HOT_BUSY');
  assert.is(report.modules[0].version, 2);
});

test('status() counts versions and the memory old versions hold', async () => {
  const state = status();
  assert.ok(state.modules.length > 10);
  assert.ok(state.oldVersions > 0);
  assert.ok(state.oldVersionBytes > 0);
  const conf = state.modules.find((m) => m.file.endsWith('/destructured/conf.js'));
  assert.equal({ version: conf.version, versions: conf.versions }, { version: 2, versions: 2 });
});

test('bad arguments give ok: false with a clear error', async () => {
  const missing = await reload('/nope/missing.js');
  assert.is(missing.ok, false);
  assert.is(missing.error.code, 'ERR_HOT_NOT_FOUND');
  const notHot = await reload(new URL(import.meta.url));
  assert.is(notHot.error.code, 'ERR_HOT_NOT_HOT');
  const bad = await reload(42);
  assert.is(bad.error.code, 'ERR_HOT_INVALID_ARGUMENT');
});


test('#private fields, methods, accessors, statics and brand checks work on old and new instances across reloads', async () => {
  const s = stage('private');
  const { Vault, Savings, Counter } = await s.import('vault.js');
  const old = new Vault('a');
  const other = new Vault('b');
  assert.is(old.deposit(5), 15);
  assert.is(old.withdraw(5), 10);
  assert.is(Vault.count, 2);
  assert.ok(Vault.isVault(old));
  assert.not.ok(Vault.isVault({}));
  assert.is(old.tick(), 10);
  old.rich = true;
  assert.is(old.gold, 100);
  assert.ok(old.rich);
  old.swap(other);
  assert.equal([old.gold, other.gold], [10, 100]);
  assert.is(old.peek(null), undefined, 'an optional chain short-circuits');
  // Private state stays out of reflection, JSON and spread, as plain.
  assert.equal(Object.keys(old), ['tick', 'owner', 'id']);
  assert.equal(Object.getOwnPropertySymbols(old), []);
  assert.equal(Object.keys({ ...old }), ['tick', 'owner', 'id']);
  assert.is(JSON.stringify(old), '{"owner":"a","id":1}');
  assert.equal(Object.getOwnPropertySymbols(Vault.prototype), []);
  assert.equal(Object.getOwnPropertySymbols(Vault), []);
  assert.equal(Object.getOwnPropertyNames(Vault.prototype).sort(), ['constructor', 'deposit', 'gold', 'history', 'peek', 'rich', 'swap', 'tier', 'withdraw']);
  // A foreign object gets the error plain code gives.
  assert.throws(() => Vault.prototype.deposit.call({}, 1), (e) => e instanceof TypeError && e.message === 'Cannot read private member #gold from an object whose class did not declare it');
  assert.throws(() => Vault.prototype.withdraw.call(new Proxy(old, {}), 1), /private member #gold/);
  assert.throws(() => Vault.isVault(1), (e) => e instanceof TypeError && /'#gold' in 1/.test(e.message));
  const saver = new Savings('c');
  assert.is(saver.rate(), 1);
  assert.is(saver.deposit(90), 100);
  assert.is(saver.interest(), 1);
  assert.throws(() => Savings.prototype.rate.call(old), /private member #rate/);
  const counter = new Counter();

  const report = await reloaded(s, ['vault.js']);
  assert.equal(report.modules.flatMap((m) => m.warnings), [], 'no warning about #private members');
  assert.is(old.deposit(5), 15, 'an old instance keeps its private state');
  assert.is(old.withdraw(5), 9, 'and runs the new private method');
  assert.equal(old.history(), [5, 'v2:5']);
  assert.is(old.tick(), 9, 'a closure made by the old version reads the same state');
  assert.is(old.tier(), undefined, 'a field added by the reload is undefined on old instances, as a public one would be');
  assert.is(Vault.count, 3, 'the static private field kept its value (two vaults and a savings account)');
  const fresh = new Vault('d');
  assert.is(Vault.count, 4);
  assert.is(fresh.tier(), 'gold');
  assert.is(Vault.label(), 'v2', 'a static private method added by the reload');
  assert.ok(Vault.isVault(old) && Vault.isVault(fresh) && Vault.isVault(saver));
  fresh.swap(old);
  assert.equal([fresh.gold, old.gold], [9, 10], 'old and new instances read each other');
  assert.is(saver.rate(), 1, 'an old subclass instance keeps its own private state');
  assert.is(saver.interest(), 1);
  assert.is(new Savings('e').rate(), 2, 'a new one gets the new initializer');
  assert.is(counter.inc(), 1, 'an instance made before its class had private members gets them');
  assert.is(new Counter().inc(), 1);
  assert.equal(Object.keys(old), ['tick', 'owner', 'id']);

  s.to('v3');
  const { Badge } = await s.import('badge.js');
  const badge = new Badge();
  assert.is(badge.show(), '[rookie]', 'a class kept native works until a reload touches it');
  s.to('v4');
  const refused = await reload(s.path('badge.js'));
  assert.not.ok(refused.ok);
  assert.is(refused.error.code, 'ERR_HOT_PRIVATE');
  assert.match(refused.error.message, /class Badge keeps #label .* reads `this` after the public field `title`/);
  assert.ok(refused.error.file.endsWith('badge.js') && refused.error.line === 5, 'the error points at the member');
  assert.is(badge.show(), '[rookie]', 'nothing of the refused batch applied');
  assert.is(new Badge().show(), '[rookie]');
  assert.is(old.gold, 10);
});

test.run();
