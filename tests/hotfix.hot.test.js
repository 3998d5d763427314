// hotfix(file): a hotfix file patches the running code (functions, methods, accessors,
// statics, data) as one batch that applies completely or not at all, can be rolled back, and
// is superseded by a later reload of the module. Each test stages the hotfix-player fixture
// afresh (its hotfix files lie inside the project, as they usually do). Runs under
// --import @hot/loader.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hotfix, reload, rollback, status } from '@hot/loader/runtime';
import { reloaded, stage } from './support/stage.js';

let staged = 0;
/** A fresh copy of the fixture, its modules loaded, and a Player made before any hotfix. */
async function game() {
  const s = stage('hotfix-player', { as: `hotfix-${++staged}` });
  const player = await s.import('player.js');
  const user = await s.import('user.js');
  const p = new player.Player('p');
  return { s, player, user, p, fix: (name) => hotfix(s.path(name)) };
}

/** Asserts a hotfix applied, and returns its report. */
async function applied(g, name) {
  const report = await g.fix(name);
  assert.ok(report.ok, `hotfix ${name} failed: ${JSON.stringify(report.error)}`);
  return report;
}

/** What the v1 code of the fixture answers, for "nothing changed" checks. */
function v1State({ player, user, p }) {
  return {
    attack: player.attack('x'), saved: user.savedAttack('x'), via: user.attackVia('x'), strike: player.strike('x'),
    fire: p.fire(), copy: user.fire.call(p), mage: new user.Mage('m').fire(), make: player.Player.make('k').health,
    savedMake: user.make.call(player.Player, 'k').health, kind: player.Player.kind, damage: user.damage(), DAMAGE: player.DAMAGE, hp: p.hp,
  };
}
const V1 = {
  attack: 'x takes 10 (v1)', saved: 'x takes 10 (v1)', via: 'x takes 10 (v1)', strike: 'x takes 10 (v1)',
  fire: 'p fires v1', copy: 'p fires v1', mage: 'mage m fires v1', make: 10, savedMake: 10, kind: 'player v1', damage: 10, DAMAGE: 10, hp: 10,
};

test('fn: saved references, importers\' bindings and the module\'s own calls run the patch', async () => {
  const g = await game();
  const { player, user, s } = g;
  const standIn = player.attack;
  const report = await applied(g, 'hotfixes/attack.js');
  assert.is(user.savedAttack('x', 1), 'x takes 11 (hotfix)');
  assert.is(user.attackVia('x'), 'x takes 10 (hotfix)');
  assert.is(player.strike('x'), 'x takes 10 (hotfix)');
  assert.is(player.attack, standIn, 'the binding keeps its identity');
  assert.is(standIn.length, 1, 'length follows the patch');
  assert.is(report.op, 'hotfix');
  assert.is(report.hotfix, s.path('hotfixes/attack.js'));
  assert.equal(report.modules.map((m) => [m.file, m.patched, m.replaced]), [[s.path('player.js'), ['attack'], ['attack']]]);
});

test('method: instances made before, copies taken before, subclasses in another module and reflection run the patch', async () => {
  const g = await game();
  const { player, user, p } = g;
  const report = await applied(g, 'hotfixes/fire.js');
  const patch = Object.getOwnPropertyDescriptor(player.Player.prototype, 'fire').value;
  assert.is(p.fire(), 'p fires (hotfix)');
  assert.is(user.fire.call(p), 'p fires (hotfix)', 'a copy of the method taken before the hotfix');
  assert.is(new user.Mage('m').fire(), 'mage m fires (hotfix)', 'super.fire() in a subclass of another module');
  assert.is(new user.Archer('a').fire(), 'a fires (hotfix)', 'an inherited method');
  assert.is(new player.Player('n').fire(), 'n fires (hotfix)');
  assert.is(patch.call(p), 'p fires (hotfix)');
  assert.ok(Object.getOwnPropertyNames(player.Player.prototype).includes('fire'));
  assert.is(p.heal(), 'p heals v1', 'other methods keep their code');
  assert.is(user.heal.call(p), 'p heals v1', 'and so do copies of them');
  assert.equal(report.modules[0].patched, ['Player#fire']);
});

test('accessors: a patched getter keeps the setter, a patched setter keeps the getter', async () => {
  const g = await game();
  const { user, p } = g;
  await applied(g, 'hotfixes/hp-get.js');
  assert.is(p.hp, 100);
  assert.is(user.hpGetter.call(p), 100, 'a copy of the getter taken before the hotfix');
  p.hp = 3;
  assert.is(p.health, 3, 'the setter is still the class\'s own');
  assert.is(p.hp, 30);
  const report = await applied(g, 'hotfixes/hp-set.js');
  p.hp = 4;
  assert.is(p.health, 8);
  assert.is(p.hp, 80, 'the getter patched before is kept');
  assert.equal(report.modules[0].patched, ['Player#set hp']);
});

test('static members: a static method (and a saved copy, and a subclass) and a static getter', async () => {
  const g = await game();
  const { player, user } = g;
  const report = await applied(g, 'hotfixes/statics.js');
  assert.is(player.Player.make('a').health, 99);
  assert.ok(player.Player.make('a') instanceof player.Player);
  assert.is(user.make.call(player.Player, 'b').health, 99, 'a static saved before the hotfix');
  const mage = user.Mage.make('c');
  assert.ok(mage instanceof user.Mage, 'this is the subclass');
  assert.is(mage.health, 99);
  assert.is(player.Player.kind, 'player (hotfix)');
  assert.is(user.Mage.kind, 'player (hotfix)');
  assert.equal(report.modules[0].patched, ['Player.make', 'Player.get kind']);
});

test('set: every importer and the module\'s own code see the value; get reads it', async () => {
  const g = await game();
  const { player, user } = g;
  const report = await applied(g, 'hotfixes/damage.js');
  assert.is(player.DAMAGE, 12);
  assert.is(user.damage(), 12);
  assert.is(player.attack('x'), 'x takes 12 (v1)');
  assert.equal(report.modules[0].patched, ['DAMAGE']);
});

test('a copy taken from an older version, after a reload, runs the hotfix; rollback brings back the latest code', async () => {
  const g = await game();
  const { s, player, user, p } = g;
  await reloaded(s, ['player.js']);
  const v2fire = player.Player.prototype.fire;
  assert.is(user.fire.call(p), 'p fires v2');
  await applied(g, 'hotfixes/fire.js');
  assert.is(user.fire.call(p), 'p fires (hotfix)', 'the v1 copy');
  assert.is(v2fire.call(p), 'p fires (hotfix)', 'the v2 copy');
  assert.is(p.fire(), 'p fires (hotfix)');
  assert.is(user.heal.call(p), 'p heals v2', 'an unpatched v1 copy runs the latest code');
  assert.is(p.heal(), 'p heals v2');
  const back = await rollback();
  assert.ok(back.ok, JSON.stringify(back.error));
  assert.is(user.fire.call(p), 'p fires v2');
  assert.is(v2fire.call(p), 'p fires v2');
  assert.is(p.fire(), 'p fires v2');
  assert.is(p.heal(), 'p heals v2');
});

test('a hotfix that throws half-way changes nothing; the report points into the hotfix file', async () => {
  const g = await game();
  const { s } = g;
  const report = await g.fix('hotfixes/half-way.js');
  assert.is(report.ok, false);
  assert.is(report.op, 'hotfix');
  assert.equal(report.modules, []);
  assert.equal({ ...report.error, stack: undefined }, { code: 'ERR_HOT_EVALUATION', message: 'the hotfix gave up half-way', file: s.path('hotfixes/half-way.js'), line: 7, column: 9, stack: undefined });
  assert.equal(v1State(g), V1);
  await applied(g, 'hotfixes/fire.js');
  assert.is(g.p.fire(), 'p fires (hotfix)', 'the process goes on, and takes the next hotfix');
});

test('API misuse is refused with ERR_HOT_HOTFIX (or ERR_HOT_NOT_HOT) naming what exists; nothing changes', async () => {
  const g = await game();
  const { s } = g;
  const player = s.path('player.js');
  const cases = {
    missing: ['ERR_HOT_HOTFIX', `hot.module("../nope.js"): ${s.path('nope.js')} does not exist`],
    'not-hot': ['ERR_HOT_NOT_HOT', new RegExp(`^hot\\.module\\("\\.\\./unused\\.js"\\): ${s.path('unused.js')} is not a loaded hot module`)],
    bare: ['ERR_HOT_HOTFIX', `hot.module("player.js"): a module is named by './x.js', '../x.js' (relative to the hotfix file), an absolute path or a file: URL`],
    binding: ['ERR_HOT_HOTFIX', `${player}: fn("atack"): the module has no binding 'atack'; its bindings: DAMAGE, score, addScore, attack, strike, Player`],
    'fn-on-data': ['ERR_HOT_HOTFIX', `${player}: fn("DAMAGE"): DAMAGE is data, not a function; use set("DAMAGE", value)`],
    'method-on-function': ['ERR_HOT_HOTFIX', `${player}: method("attack", "fire"): attack is a function, not a class; use fn("attack", impl)`],
    'set-on-class': ['ERR_HOT_HOTFIX', `${player}: set("Player"): Player is a class, not data; use method("Player", 'member', impl)`],
    member: ['ERR_HOT_HOTFIX', `${player}: method("Player", "fyre"): Player has no method 'fyre'; its methods: fire, heal`],
    accessor: ['ERR_HOT_HOTFIX', `${player}: method("Player", "hp"): Player#hp is an accessor, not a method; patch 'get hp' or 'set hp'`],
    'getter-on-method': ['ERR_HOT_HOTFIX', `${player}: method("Player", "get fire"): Player#fire is a method, not an accessor; patch 'fire'`],
    static: ['ERR_HOT_HOTFIX', `${player}: method("Player", "static fire"): Player has no static method 'fire'; its static methods: make`],
    'not-a-function': ['ERR_HOT_HOTFIX', `fn("attack") takes the new implementation as a function, got string`],
  };
  for (const [name, [code, message]] of Object.entries(cases)) {
    const report = await g.fix(`misuse/${name}.js`);
    assert.is(report.ok, false, name);
    assert.is(report.error.code, code, name);
    if (message instanceof RegExp) assert.match(report.error.message, message, name);
    else assert.is(report.error.message, message, name);
    assert.is(report.error.file, s.path(`misuse/${name}.js`), name);
    assert.is(report.error.line, 4, `${name}: the line of the refused call`);
    assert.is(g.player.DAMAGE, 10, `${name}: the patch made before the refused call is undone`);
  }
  const none = await g.fix('misuse/no-default.js');
  assert.is(none.error.code, 'ERR_HOT_HOTFIX');
  assert.match(none.error.message, /default export must be a function .* exports no default$/);
  const syntax = await g.fix('misuse/syntax.js');
  assert.is(syntax.error.code, 'ERR_HOT_PARSE');
  assert.is(syntax.error.file, s.path('misuse/syntax.js'));
  assert.equal([syntax.error.line, syntax.error.column], [5, 1], 'the end of input');
  const missingFile = await g.fix('misuse/absent.js');
  assert.is(missingFile.error.code, 'ERR_HOT_NOT_FOUND');
  assert.equal(v1State(g), V1);
});

test('rollback() undoes an applied hotfix: code, copies, statics, accessors and data', async () => {
  const g = await game();
  const { player, p } = g;
  const report = await applied(g, 'hotfixes/all.js');
  assert.equal(report.modules[0].patched, ['attack', 'Player#fire', 'Player#get hp', 'Player.make', 'DAMAGE', 'score']);
  assert.is(g.user.fire.call(p), 'p fires (all)');
  assert.is(player.Player.make(), 'made (all)');
  assert.is(p.hp, -1);
  assert.is(player.score, 100);
  const back = await rollback();
  assert.ok(back.ok, JSON.stringify(back.error));
  assert.match(back.modules[0].warnings[0], /^rolled back batch \d+ \(hotfix .*all\.js\)$/);
  assert.equal(v1State(g), V1);
  assert.is(player.score, 0);
  assert.equal(Object.getOwnPropertyNames(player.Player.prototype).sort(), ['constructor', 'fire', 'heal', 'hp']);
});

test('a reload supersedes the hotfix: the file\'s code runs; a failed reload or its rollback brings the hotfix back', async () => {
  const g = await game();
  const { s, player, user, p } = g;
  await applied(g, 'hotfixes/all.js');
  player.addScore(1); // the game writes a value the hotfix set: the reload leaves it alone
  const report = await reloaded(s, ['player.js']);
  const [module] = report.modules;
  assert.equal(module.superseded, ['attack', 'Player#fire', 'Player#get hp', 'Player.make', 'DAMAGE', 'score']);
  assert.match(module.warnings.join('\n'), /^hotfix \S*hotfixes\/all\.js \(batch \d+\) superseded: attack, Player#fire, Player#get hp, Player\.make now run the file's code; DAMAGE is back to the value from before the hotfix; score keeps the value written after the hotfix$/m);
  const v2 = { fire: 'p fires v2', copy: 'p fires v2', attack: 'x takes 10 (v2)', saved: 'x takes 10 (v2)', hp: 10, make: 10, DAMAGE: 10 };
  const now = () => ({ fire: p.fire(), copy: user.fire.call(p), attack: player.attack('x'), saved: user.savedAttack('x'), hp: p.hp, make: player.Player.make('k').health, DAMAGE: player.DAMAGE });
  assert.equal(now(), v2);
  assert.is(player.score, 101);
  const patched = { fire: 'p fires (all)', copy: 'p fires (all)', attack: 'x takes all (hotfix)', saved: 'x takes all (hotfix)', hp: -1, make: undefined, DAMAGE: 12 };
  const withMake = () => ({ ...now(), make: player.Player.make() === 'made (all)' ? undefined : 'not patched' });

  s.to('v3');
  const failed = await reload(s.path('player.js'));
  assert.is(failed.ok, false);
  assert.equal(now(), v2, 'a failed reload leaves the hotfix superseded by v2');

  const back = await rollback();
  assert.ok(back.ok, JSON.stringify(back.error));
  assert.equal(withMake(), patched, 'the rollback of the reload applies the hotfix again');
  assert.match(back.modules[0].warnings.join('\n'), /hotfix \S*all\.js \(batch \d+\): attack, Player#fire, Player#get hp, Player\.make, DAMAGE, score apply again/);

  s.to('v3');
  const failedAgain = await reload(s.path('player.js'));
  assert.is(failedAgain.ok, false);
  assert.equal(withMake(), patched, 'a failed reload of a hotfixed module keeps the hotfix');

  await rollback();
  assert.equal(v1State(g), V1);
});

test('a hotfix file inside the project is not made hot, and runs its text of the moment each time', async () => {
  const g = await game();
  const { s, player } = g;
  await applied(g, 'hotfixes/fresh.js');
  assert.is(player.DAMAGE, 1);
  assert.not.ok(status().modules.some((m) => m.file.includes('/hotfixes/')), 'status() lists no hotfix file');
  s.write('hotfixes/fresh.js', "export default (hot) => hot.module('../player.js').set('DAMAGE', 2);\n");
  await applied(g, 'hotfixes/fresh.js');
  assert.is(player.DAMAGE, 2);
  assert.not.ok(status().modules.some((m) => m.file.includes('/hotfixes/')));
});

test('a hotfix that returns a promise is awaited, with a warning', async () => {
  const g = await game();
  const report = await applied(g, 'hotfixes/later.js');
  assert.is(g.player.DAMAGE, 7);
  assert.match(report.modules[0].warnings.join('\n'), /returned a promise and was awaited/);
});

test('writes the hotfix makes through module code are part of the batch; reload() from a hotfix fails fast', async () => {
  const g = await game();
  const { player } = g;
  const failed = await g.fix('hotfixes/writes.js');
  assert.is(failed.ok, false);
  assert.is(player.score, 0, 'addScore(5) is undone with the failed hotfix');
  assert.is(player.addScore(1), 1);
  const report = await applied(g, 'hotfixes/reentrant.js');
  assert.is(player.DAMAGE, 4, 'the inner reload() reported ERR_HOT_BUSY instead of waiting for the hotfix');
  assert.equal(report.modules[0].patched, ['DAMAGE']);
});

test.run();
