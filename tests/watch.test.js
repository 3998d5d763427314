// The file watcher from outside: a real hot process in a temp project, saved to the way
// editors and git save, observed through its control endpoint (every batch's report) and
// what its code returns. Waits on events with deadlines; no sleeps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, ftruncateSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { project } from './support/project.js';
import { connect, controlDir, startApp, until } from './support/control.js';

/** A module whose `value()` says which save is live. */
const lib = (value, extra = '') => `export function value() { return ${JSON.stringify(value)}; }\n${extra}`;

/** Starts an app with the watcher on; returns helpers to save files and read what runs. */
async function watched(files, env = {}) {
  const app = project({
    'server.js': `import { onReload } from '@hot/loader/runtime';\nimport { value } from './lib.js';\nimport { snapshot } from './all.js';\nonReload(() => setImmediate(() => console.log('live ' + JSON.stringify({ value: value(), all: snapshot() }))));\nsetInterval(() => {}, 1000);\n`,
    'lib.js': lib('v0'),
    'all.js': 'export function snapshot() { return null; }\n',
    ...files,
  });
  const dir = controlDir();
  const running = await startApp(app, { dir, env: { HOT_WATCH: '1', ...env } });
  const client = await connect(running.discovery);
  await client.request({ op: 'subscribe' });
  await until(async () => (await client.request({ op: 'status' })).result.watch.on, 'the watcher is ready');
  return {
    app, running, client,
    reports: () => client.events.map((e) => e.report),
    /** Waits until the batches' reports satisfy `predicate`. */
    async reported(predicate, message) {
      return until(() => predicate(client.events.map((e) => e.report)), message, 10_000);
    },
    /** The version and text status reports for `file`. */
    async version(file) {
      return (await client.request({ op: 'status' })).result.modules.find((m) => m.file === app.path(file))?.version;
    },
    async done() {
      client.close();
      await running.stop();
      app.remove();
    },
  };
}

const okFor = (reports, file, count = 1) => reports.filter((r) => r.ok && r.modules.some((m) => m.file.endsWith(`/${file}`))).length >= count;

test('in-place write: the saved code runs, once; an identical rewrite does nothing', async () => {
  const w = await watched({});
  try {
    writeFileSync(w.app.path('lib.js'), lib('v1'));
    await w.reported((r) => okFor(r, 'lib.js'), 'a reload of lib.js');
    await until(() => w.running.output().includes('live {"value":"v1"'), 'v1 runs');
    assert.is(await w.version('lib.js'), 2);
    const before = w.reports().length;
    writeFileSync(w.app.path('lib.js'), lib('v1'));
    writeFileSync(w.app.path('lib.js'), lib('v2'));
    await w.reported((r) => r.length > before && okFor(r, 'lib.js', 2), 'the second save');
    assert.is(w.reports().length, before + 1, 'the identical rewrite made no batch');
    assert.is(await w.version('lib.js'), 3);
    const { watch } = (await w.client.request({ op: 'status' })).result;
    assert.equal(watch, { on: true, files: 3, directories: 1, paths: [w.app.dir], why: 'HOT_WATCH=1' }, 'status says what is watched');
  } finally {
    await w.done();
  }
});

test('saves 2-40 ms apart (inside chokidar\'s 50 ms change throttle): none is lost, the last one runs', async () => {
  const w = await watched({});
  try {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 1; i <= 40; i++) {
      writeFileSync(w.app.path('lib.js'), lib(`s${i}`));
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.floor(random() * 38)));
    }
    await until(() => w.running.output().includes('live {"value":"s40"'), 'the last save runs', 10_000);
    assert.ok(w.reports().every((r) => r.ok), 'no batch failed');
  } finally {
    await w.done();
  }
});

test('truncate then write, with the write late: the half-written file never sticks, the complete one runs', async () => {
  const w = await watched({});
  try {
    const fd = openSync(w.app.path('lib.js'), 'r+');
    ftruncateSync(fd, 0);
    // A first part that does not parse, seen by the watcher, then the rest.
    const first = 'export function value() { return "v1';
    writeSync(fd, first, 0);
    await w.reported((r) => r.some((x) => !x.ok), 'the half-written save fails');
    writeSync(fd, '"; }\n', Buffer.byteLength(first));
    closeSync(fd);
    await w.reported((r) => okFor(r, 'lib.js'), 'the complete save reloads');
    await until(() => w.running.output().includes('live {"value":"v1"'), 'the complete v1 runs');
    const failed = w.reports().filter((r) => !r.ok);
    assert.is(failed.length, 1, 'the failure was reported once, not retried');
    assert.is(failed[0].error.code, 'ERR_HOT_PARSE');
  } finally {
    await w.done();
  }
});

test('atomic rename (vim, JetBrains, VS Code) and delete-then-recreate both reload', async () => {
  const w = await watched({});
  try {
    writeFileSync(w.app.path('.lib.js.swp'), lib('v1'));
    renameSync(w.app.path('.lib.js.swp'), w.app.path('lib.js'));
    await w.reported((r) => okFor(r, 'lib.js', 1), 'the atomic save reloads');
    unlinkSync(w.app.path('lib.js'));
    writeFileSync(w.app.path('lib.js'), lib('v2'));
    await w.reported((r) => okFor(r, 'lib.js', 2), 'the recreated file reloads');
    await until(() => w.running.output().includes('live {"value":"v2"'), 'v2 runs');
    assert.is(await w.version('lib.js'), 3);
    assert.ok(w.reports().every((r) => r.ok), 'no batch failed');
  } finally {
    await w.done();
  }
});

test('a deleted file is reported and its module keeps running; other files are not watched', async () => {
  const w = await watched({ 'notes.txt': 'x' });
  try {
    unlinkSync(w.app.path('lib.js'));
    await until(() => w.running.output().includes('lib.js was deleted; its module keeps running its last code'), 'the deletion is reported');
    writeFileSync(w.app.path('notes.txt'), 'y');
    writeFileSync(w.app.path('lib.js'), lib('v1'));
    await w.reported((r) => okFor(r, 'lib.js'), 'the file is back');
    assert.is(w.reports().length, 1, 'only the hot file made a batch');
  } finally {
    await w.done();
  }
});

test('a git checkout rewrites 30 files with a dependency between them: every module ends at its final content', async () => {
  const files = {};
  const moduleText = (i, tag) => `export const tag${i} = ${JSON.stringify(tag)};\n`;
  for (let i = 0; i < 30; i++) files[`m${i}.js`] = moduleText(i, 'a');
  // all.js imports every module; in the new commit it also imports a name only the new m29 has.
  const allText = (names) => `${Array.from({ length: 30 }, (_, i) => `import { tag${i} } from './m${i}.js';`).join('\n')}\n${names}\nexport function snapshot() { return [${Array.from({ length: 30 }, (_, i) => `tag${i}`).join(', ')}].join(''); }\n`;
  files['all.js'] = allText('');
  const w = await watched(files);
  try {
    // The checkout: all.js first (it needs m29's new export), then the 30 modules, in one go.
    writeFileSync(w.app.path('all.js'), allText("import { extra } from './m29.js';\nexport { extra };"));
    for (let i = 0; i < 30; i++) writeFileSync(w.app.path(`m${i}.js`), moduleText(i, 'b') + (i === 29 ? 'export const extra = 1;\n' : ''));
    await until(async () => {
      const status = (await w.client.request({ op: 'status' })).result;
      const versions = status.modules.filter((m) => /\/(m\d+|all)\.js$/.test(m.file)).map((m) => m.version);
      return versions.length === 31 && versions.every((v) => v >= 2);
    }, 'every module reloaded', 20_000);
    await until(() => w.running.output().includes(`"all":"${'b'.repeat(30)}"`), 'the final content runs');
    const last = w.reports().at(-1);
    assert.ok(last.ok, `the last batch applied: ${JSON.stringify(last.error)}`);
    const failed = w.reports().filter((r) => !r.ok);
    assert.ok(failed.every((r) => r.error.code === 'ERR_HOT_LINK'), 'an intermediate batch may fail only on the half-applied checkout');
  } finally {
    await w.done();
  }
});

test('NODE_ENV=production turns the watcher off unless HOT_WATCH=1; status says so', async () => {
  const app = project({ 'server.js': "import './lib.js';\nsetInterval(() => {}, 1000);\n", 'lib.js': lib('v0') });
  const dir = controlDir();
  const running = await startApp(app, { dir, env: { NODE_ENV: 'production', HOT_WATCH: '' } });
  try {
    const client = await connect(running.discovery);
    const status = (await client.request({ op: 'status' })).result;
    assert.equal(status.watch, { on: false, files: 0, directories: 0, paths: [], why: 'NODE_ENV=production' });
    client.close();
  } finally {
    await running.stop();
    app.remove();
  }
});

test.run();
