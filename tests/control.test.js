// The control endpoint from outside, as an admin tool meets it: a real hot process, its
// discovery file, and a real ws client. Who may connect, what every bad message gets, and
// that nothing a refused message says changes the process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request as httpRequest } from 'node:http';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { project } from './support/project.js';
import { connect, controlDir, malformedReply, startApp, until } from './support/control.js';

const APP = {
  'server.js': `import { hit, hits } from './combat.js';\nsetInterval(hit, 5);\nconsole.log('up');\n`,
  'combat.js': `export let hits = 0;\nexport function hit() { hits++; return 'v1'; }\n`,
  'notes.js': `export const notHot = 'never imported';\n`,
};

/** A running app and an authorised client; `done()` stops both. */
async function session(files = APP, options = {}) {
  const app = project(files);
  const dir = controlDir();
  const running = await startApp(app, { dir, ...options });
  const client = await connect(running.discovery);
  return {
    app, dir, running, client,
    async done() {
      client.close();
      await running.stop();
      app.remove();
    },
  };
}

const versionOf = (status, file) => status.modules.find((m) => m.file.endsWith(`/${file}`))?.version;

test('the discovery file: 0600 in a 0700 directory, with what a client needs; removed when the process exits', async () => {
  const s = await session();
  try {
    const { discovery, file } = s.running;
    assert.is(statSync(s.dir).mode & 0o777, 0o700, 'directory mode');
    assert.is(statSync(file).mode & 0o777, 0o600, 'file mode');
    assert.is(discovery.pid, s.running.pid);
    assert.is(discovery.host, '127.0.0.1');
    assert.ok(Number.isInteger(discovery.port) && discovery.port > 0, 'a port');
    assert.ok(discovery.token.length >= 40, 'a long random token');
    assert.is(discovery.root, s.app.dir);
    assert.is(discovery.entry, join(s.app.dir, 'server.js'));
    assert.is(discovery.node, (await s.client.request({ op: 'status' })).result.node);
    assert.ok(!Number.isNaN(Date.parse(discovery.started)), 'a start time');
  } finally {
    await s.done();
  }
  assert.ok(existsSync(s.running.file), 'Ctrl-C runs no exit handler: the file stays (no signal listener of ours changes what the host sees)');
  assert.equal(s.running.exited(), { code: null, signal: 'SIGINT' }, 'the process ended by the signal, as it would have without us');
  const nextApp = project(APP);
  const next = await startApp(nextApp, { dir: s.dir });
  assert.not.ok(existsSync(s.running.file), 'the next hot process to start removes the file of the one that is gone');
  await next.stop();
  nextApp.remove();
});

test('a process that exits by itself or through process.exit() removes its file', async () => {
  const s = await session({ ...APP, 'server.js': `import { hit } from './combat.js';\nconst timer = setInterval(hit, 5);\nprocess.on('SIGINT', () => process.exit(7));\n` });
  try {
    assert.ok(existsSync(s.running.file));
    assert.ok((await s.client.request({ op: 'status' })).ok);
    s.running.child.kill('SIGINT');
    await until(() => s.running.exited(), 'the host exits');
    assert.equal(s.running.exited(), { code: 7, signal: null });
    assert.not.ok(existsSync(s.running.file), 'removed by the exit handler');
  } finally {
    await s.done();
  }
});

test('a worker thread started with the same --import serves no endpoint of its own: the main thread answers', async () => {
  const s = await session({
    ...APP,
    'server.js': `import { Worker } from 'node:worker_threads';\nimport { hit } from './combat.js';\nsetInterval(hit, 5);\nconst worker = new Worker(new URL('./worker.js', import.meta.url));\nworker.on('message', (m) => console.log(m));\n`,
    'worker.js': `import { parentPort } from 'node:worker_threads';\nimport { value } from './lib.js';\nsetTimeout(() => parentPort.postMessage('worker ' + value), 300);\nsetInterval(() => {}, 1000);\n`,
    'lib.js': 'export const value = 42;\n',
  });
  try {
    await until(() => s.running.output().includes('worker 42'), 'the worker ran');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(readdirFiles(s.dir), [`${s.running.pid}.json`], 'one discovery file');
    const status = (await s.client.request({ op: 'status' })).result;
    assert.equal(status.modules.map((m) => m.file.split('/').pop()), ['combat.js', 'server.js'], "the main thread's modules");
  } finally {
    await s.done();
  }
});

test("the endpoint opens while a top-level statement awaits: it is not that statement's, and its rerun releases nothing of it", async () => {
  const slow = (tag) => `import { hit } from './combat.js';\nsetInterval(hit, 5);\nawait new Promise((resolve) => setTimeout(resolve, 400, '${tag}'));\nconsole.log('ready');\n`;
  const s = await session({ ...APP, 'server.js': slow('v1') });
  try {
    await until(() => s.running.output().includes('ready'), 'the statement finished awaiting');
    const watcher = await connect(s.running.discovery);
    await watcher.request({ op: 'subscribe' });
    s.app.write('server.js', slow('v2'));
    const report = await s.client.request({ op: 'reload', files: ['server.js'] });
    assert.ok(report.ok, JSON.stringify(report));
    assert.equal(report.result.modules[0].reran, [3], 'the awaiting statement ran again');
    const after = await connect(s.running.discovery);
    assert.ok((await after.request({ op: 'status' })).ok, 'new connections are served');
    assert.ok((await s.client.request({ op: 'status' })).ok, 'the open one too');
    await until(() => watcher.events.length === 1, 'the subscriber got the report');
    assert.ok(existsSync(s.running.file));
    watcher.close();
    after.close();
  } finally {
    await s.done();
  }
});

test('who may connect: no token, a wrong token, any Origin, a foreign Host, another path and plain HTTP are refused before any message', async () => {
  const s = await session();
  try {
    const { discovery } = s.running;
    const refused = async (options, status, pattern) => {
      const error = await connect(discovery, options).then(() => null, (e) => e);
      assert.ok(error, `refused: ${JSON.stringify(options)}`);
      assert.is(error.status, status, `${JSON.stringify(options)} -> ${error.message}`);
      assert.match(error.body, pattern);
    };
    await refused({ headers: {} }, 401, /valid token is required/);
    await refused({ headers: { authorization: 'Bearer wrong' } }, 401, /valid token/);
    await refused({ headers: { authorization: `Bearer ${discovery.token}x` } }, 401, /valid token/);
    await refused({ headers: { authorization: discovery.token } }, 401, /valid token/);
    await refused({ headers: { authorization: `Bearer ${discovery.token}`, origin: 'http://127.0.0.1' } }, 403, /Origin/);
    await refused({ headers: { authorization: `Bearer ${discovery.token}`, origin: 'null' } }, 403, /Origin/);
    await refused({ headers: { authorization: `Bearer ${discovery.token}`, host: `evil.example:${discovery.port}` } }, 403, /Host header must be 127\.0\.0\.1/);
    await refused({ headers: { authorization: `Bearer ${discovery.token}`, host: `localhost:${discovery.port}` } }, 403, /Host/);
    await refused({ url: `ws://127.0.0.1:${discovery.port}/other` }, 404, /at \//);
    const plain = await new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: discovery.port, path: '/', headers: { authorization: `Bearer ${discovery.token}` } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.is(plain.status, 426, 'plain HTTP is not served');
    const status = await s.client.request({ op: 'status' });
    assert.ok(status.ok, 'the authorised client still works');
    assert.is(s.running.exited(), null, 'the process is up');
  } finally {
    await s.done();
  }
});

test('bad messages get an error reply naming the problem, change nothing, and the connection stays usable', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'hot-outside-'));
  writeFileSync(join(outside, 'secret.js'), 'export const secret = 1;\n');
  const s = await session();
  try {
    symlinkSync(join(outside, 'secret.js'), s.app.path('link.js'));
    const { client } = s;
    const before = (await client.request({ op: 'status' })).result;
    const cases = [
      ['garbage', null, 'ERR_HOT_BAD_REQUEST', /not JSON/],
      ['[1,2]', null, 'ERR_HOT_BAD_REQUEST', /JSON object/],
      ['{"op":"status"}', null, 'ERR_HOT_BAD_REQUEST', /'id' must be/],
      ['{"id":{},"op":"status"}', null, 'ERR_HOT_BAD_REQUEST', /'id' must be/],
      ['{"id":1,"op":"explode"}', 1, 'ERR_HOT_BAD_REQUEST', /'op' must be one of reload, reloadAll, rollback, hotfix, check, status, subscribe, unsubscribe/],
      ['{"id":2,"op":7}', 2, 'ERR_HOT_BAD_REQUEST', /'op' must be/],
      ['{"id":3,"op":"status","verbose":true}', 3, 'ERR_HOT_BAD_REQUEST', /unknown field 'verbose' for op 'status'; allowed: id, op/],
      ['{"id":4,"op":"reload","files":"combat.js"}', 4, 'ERR_HOT_BAD_REQUEST', /'files' must be a non-empty array/],
      ['{"id":5,"op":"reload","files":[]}', 5, 'ERR_HOT_BAD_REQUEST', /'files' must be a non-empty array/],
      ['{"id":6,"op":"reload","files":[42]}', 6, 'ERR_HOT_BAD_REQUEST', /'files' must be/],
      ['{"id":7,"op":"hotfix"}', 7, 'ERR_HOT_BAD_REQUEST', /'file' must be/],
      ['{"id":8,"op":"reload","files":["../../etc/passwd"]}', 8, 'ERR_HOT_OUTSIDE_ROOT', /outside the project root/],
      ['{"id":9,"op":"reload","files":["/etc/passwd"]}', 9, 'ERR_HOT_OUTSIDE_ROOT', /outside the project root/],
      ['{"id":10,"op":"reload","files":["link.js"]}', 10, 'ERR_HOT_OUTSIDE_ROOT', /link\.js is outside the project root/],
      ['{"id":11,"op":"reload","files":["notes.js"]}', 11, 'ERR_HOT_NOT_HOT', /notes\.js is not a loaded hot module/],
      ['{"id":12,"op":"reload","files":["missing.js"]}', 12, 'ERR_HOT_NOT_FOUND', /missing\.js does not exist/],
      ['{"id":13,"op":"reload","files":["combat.js","nul\\u0000.js"]}', 13, 'ERR_HOT_BAD_REQUEST', /'files' must be/],
      ['{"id":14,"op":"hotfix","file":"../../tmp/x.js"}', 14, 'ERR_HOT_OUTSIDE_ROOT', /outside the project root/],
      ['{"id":15,"op":"rollback"}', 15, 'ERR_HOT_NOTHING_TO_ROLL_BACK', /no applied reload to roll back/],
      ['{"id":16,"op":"check","rounds":0}', 16, 'ERR_HOT_BAD_REQUEST', /'rounds' must be an integer from 1 to 100, got the number 0/],
      ['{"id":17,"op":"check","ready":"soon"}', 17, 'ERR_HOT_BAD_REQUEST', /'ready' must be one of now, idle, call, got the string "soon"/],
      ['{"id":18,"op":"check","invariants":"../../etc/passwd"}', 18, 'ERR_HOT_OUTSIDE_ROOT', /outside the project root/],
    ];
    for (const [text, id, code, pattern] of cases) {
      client.sendRaw(text);
      const reply = await until(() => client.replies.find((r) => r.id === id && (id !== null || r.error?.message.match(pattern))), `a reply to ${text}`);
      client.replies.splice(client.replies.indexOf(reply), 1);
      assert.is(malformedReply(reply), null, `well-formed reply to ${text}: ${JSON.stringify(reply)}`);
      assert.is(reply.ok, false, text);
      assert.is(reply.error.code, code, `${text}: ${reply.error.message}`);
      assert.match(reply.error.message, pattern, text);
    }
    client.sendRaw(Buffer.from('{"id":99,"op":"status"}'), { binary: true });
    const binary = await until(() => client.replies.find((r) => r.error?.message.includes('binary')), 'a reply to a binary frame');
    assert.is(binary.error.code, 'ERR_HOT_BAD_REQUEST');
    const after = (await client.request({ op: 'status' })).result;
    assert.equal(after.modules, before.modules, 'no module changed');
    assert.is(versionOf(after, 'combat.js'), 1);
  } finally {
    await s.done();
  }
});

test('an oversized message closes the connection (1009); the process and other connections carry on', async () => {
  const s = await session();
  try {
    const other = await connect(s.running.discovery);
    s.client.sendRaw(JSON.stringify({ id: 1, op: 'reload', files: ['x'.repeat(70 * 1024)] }));
    const closed = await s.client.waitClosed();
    assert.is(closed.code, 1009, `close code ${closed.code}`);
    const status = await other.request({ op: 'status' });
    assert.ok(status.ok);
    assert.is(versionOf(status.result, 'combat.js'), 1);
    other.close();
  } finally {
    await s.done();
  }
});

test('reload, reloadAll, rollback, hotfix and subscribe: replies carry the report; subscribers get every batch as an event', async () => {
  const s = await session({
    ...APP,
    'hotfixes/fix.js': "export default function (hot) {\n  hot.module('../combat.js').fn('hit', function hit() { return 'fixed'; });\n}\n",
    'hotfixes/throws.js': "export default function (hot) {\n  throw new Error('no');\n}\n",
  });
  try {
    const watcher = await connect(s.running.discovery);
    assert.equal((await watcher.request({ op: 'subscribe' })).result, { subscribed: true });
    s.app.write('combat.js', `export let hits = 0;\nexport function hit() { hits++; return 'v2'; }\n`);
    const changed = await s.client.request({ op: 'reload' });
    assert.ok(changed.ok, JSON.stringify(changed));
    assert.is(changed.result.op, 'reload');
    assert.equal(changed.result.modules.map((m) => [m.file.endsWith('/combat.js'), m.version, m.replaced]), [[true, 2, ['hit']]]);
    const named = await s.client.request({ op: 'reload', files: ['combat.js'] });
    assert.is(named.result.modules[0].version, 3);
    const absolute = await s.client.request({ op: 'reload', files: [s.app.path('combat.js')] });
    assert.is(absolute.result.modules[0].version, 4, 'absolute paths inside the root work too');
    const all = await s.client.request({ op: 'reloadAll' });
    assert.is(all.result.op, 'reloadAll');
    assert.is(all.result.modules.length, 2);
    s.app.write('combat.js', `export let hits = 0;\nexport function hit() { hits++; return 'v3' +; }\n`);
    const broken = await s.client.request({ op: 'reload', files: ['combat.js'] });
    assert.is(broken.ok, false, 'a failed batch is a failed reply');
    assert.is(broken.error.code, 'ERR_HOT_PARSE');
    assert.is(broken.error.file, s.app.path('combat.js'));
    assert.is(broken.error.line, 2);
    assert.is(broken.result.ok, false, 'with the report');
    const undone = await s.client.request({ op: 'rollback' });
    assert.ok(undone.ok);
    assert.is(undone.result.op, 'rollback');
    const fixed = await s.client.request({ op: 'hotfix', file: 'hotfixes/fix.js' });
    assert.ok(fixed.ok, JSON.stringify(fixed));
    assert.equal([fixed.result.op, fixed.result.hotfix, fixed.result.modules[0].patched], ['hotfix', s.app.path('hotfixes/fix.js'), ['hit']]);
    const thrown = await s.client.request({ op: 'hotfix', file: s.app.path('hotfixes/throws.js') });
    assert.equal([thrown.ok, thrown.error.code, thrown.error.file, thrown.error.line], [false, 'ERR_HOT_EVALUATION', s.app.path('hotfixes/throws.js'), 2]);
    await until(() => watcher.events.length === 8, `eight events (got ${watcher.events.length})`);
    assert.equal(watcher.events.map((e) => [e.event, e.report.op, e.report.ok]), [
      ['report', 'reload', true], ['report', 'reload', true], ['report', 'reload', true], ['report', 'reloadAll', true], ['report', 'reload', false], ['report', 'rollback', true],
      ['report', 'hotfix', true], ['report', 'hotfix', false],
    ]);
    assert.equal((await watcher.request({ op: 'unsubscribe' })).result, { subscribed: false });
    await s.client.request({ op: 'reloadAll' });
    const last = await watcher.request({ op: 'status' });
    assert.ok(last.ok);
    assert.is(watcher.events.length, 8, 'no event after unsubscribe');
    watcher.close();
  } finally {
    await s.done();
  }
});

test('1000 pipelined reload requests are answered in order, each with the next version', async () => {
  const s = await session();
  try {
    const { client } = s;
    for (let i = 0; i < 1000; i++) client.sendRaw(JSON.stringify({ id: i, op: 'reload', files: ['combat.js'] }));
    await client.replyCount(1000, 240_000);
    assert.equal(client.replies.map((r) => r.id), [...Array(1000).keys()], 'in order');
    assert.ok(client.replies.every((r) => r.ok), 'all applied');
    assert.equal(client.replies.map((r) => r.result.modules[0].version), [...Array(1000).keys()].map((i) => i + 2), 'each the next version');
    assert.equal(client.replies.map((r) => r.result.batch), [...Array(1000).keys()].map((i) => i + 1), 'batches in request order');
  } finally {
    await s.done();
  }
});

test('10,000 fuzzed messages: the process stays up, every reply is well-formed, and only valid requests change anything', async () => {
  const s = await session();
  const seed = Number(process.env.HOT_FUZZ_SEED ?? Date.now() % 1_000_000);
  let state = seed;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const values = () => pick([null, true, 0, -1, 1.5, 2 ** 60, '', 'x', '../../etc/passwd', '/etc/passwd', 'link.js', 'notes.js', 'combat.js', 'nul\u0000', [], ['combat.js'], [1], {}, { files: [] }, 'é'.repeat(50)]);
  const valid = () => pick([
    { op: 'status' }, { op: 'reload', files: ['combat.js'] }, { op: 'reload' }, { op: 'rollback' }, { op: 'reloadAll' }, { op: 'subscribe' }, { op: 'unsubscribe' }, { op: 'hotfix', file: 'notes.js' },
  ]);
  const mutate = (message) => {
    const copy = { ...message };
    const keys = Object.keys(copy);
    switch (Math.floor(random() * 6)) {
      case 0: delete copy[pick(keys)]; break;
      case 1: copy[pick(keys)] = values(); break;
      case 2: copy[pick(['extra', 'file', 'files', 'op', '__proto__', 'constructor'])] = values(); break;
      case 3: copy.op = pick(['Reload', 'reload ', 'status\u0000', 'hasOwnProperty', 'toString', '__proto__', '']); break;
      case 4: copy.files = [pick(['../combat.js', './../../etc/passwd', 'link.js', 'notes.js', 'missing.js', '', 'combat.js/'])]; copy.op = 'reload'; break;
      default: copy.id = values(); break;
    }
    return copy;
  };
  const outside = mkdtempSync(join(tmpdir(), 'hot-outside-'));
  writeFileSync(join(outside, 'secret.js'), 'export const secret = 1;\n');
  symlinkSync(join(outside, 'secret.js'), s.app.path('link.js'));
  try {
    const { client } = s;
    const watcher = await connect(s.running.discovery);
    await watcher.request({ op: 'subscribe' });
    const sent = [];
    for (let i = 0; i < 10_000; i++) {
      const roll = random();
      let text;
      if (roll < 0.15) {
        // random bytes and broken JSON
        text = pick([
          () => Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(Math.floor(random() * 256))).join(''),
          () => JSON.stringify({ id: i, ...valid() }).slice(0, Math.floor(random() * 20)),
          () => JSON.stringify(values()),
          () => '{"id":' + i + ',"op":"reload","files":[' + '['.repeat(200) + ']}',
        ])();
      } else if (roll < 0.17) {
        text = JSON.stringify({ id: i, ...valid() }); // valid ones, now and then
      } else {
        text = JSON.stringify({ id: i, ...mutate(valid()) });
      }
      // A string id the mutation gave is what the reply must carry; anything else, the loop index.
      sent.push(text);
      client.sendRaw(text);
    }
    await client.replyCount(10_000, 240_000);
    assert.is(client.closed(), null, 'the connection stayed open');
    const bad = client.replies.map(malformedReply).map((problem, i) => (problem ? `${problem}: ${sent[i]} -> ${JSON.stringify(client.replies[i])}` : null)).filter(Boolean);
    assert.equal(bad.slice(0, 5), [], `seed ${seed}: malformed replies`);
    // Every batch is announced to subscribers: only replies that carry a report ran one.
    const batches = client.replies.filter((r) => r.result && typeof r.result.op === 'string').length;
    await until(() => watcher.events.length >= batches, `${batches} events (seed ${seed}, got ${watcher.events.length})`);
    await watcher.request({ op: 'status' });
    assert.is(watcher.events.length, batches, `seed ${seed}: a batch ran for each reply with a report and for nothing else`);
    const refused = client.replies.filter((r) => !r.ok && !r.result);
    assert.ok(refused.length > 8000, `most messages are refused (${refused.length})`);
    const status = await watcher.request({ op: 'status' });
    assert.ok(status.ok, 'the process answers');
    assert.is(s.running.exited(), null, 'the process is up');
    assert.not.ok(status.result.modules.some((m) => /notes\.js|secret\.js|link\.js/.test(m.file)), 'nothing outside the app was loaded');
    watcher.close();
  } finally {
    await s.done();
  }
});

test('the endpoint keeps nothing alive, can be turned off, and refuses an open or foreign discovery directory', async () => {
  const app = project({ 'main.js': `import { x } from './lib.js';\nconsole.log('done', x);\n`, 'lib.js': 'export const x = 1;\n' });
  try {
    const dir = controlDir();
    const quick = app.run(['--import', '@hot/loader', 'main.js'], { env: { HOT_CONTROL_DIR: dir } });
    assert.is(quick.status, 0, quick.stderr);
    assert.match(quick.stdout, /done 1/);
    assert.equal(existsSync(dir) ? readdirFiles(dir) : [], [], 'a process that ends by itself leaves no discovery file');

    const off = controlDir();
    const disabled = app.run(['--import', '@hot/loader', '-e', 'setTimeout(() => {}, 300)'], { env: { HOT_CONTROL_DIR: off, HOT_CONTROL: '0' } });
    assert.is(disabled.status, 0, disabled.stderr);
    assert.not.ok(existsSync(off), 'HOT_CONTROL=0: no endpoint');

    const open = controlDir();
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    const refused = app.run(['--import', '@hot/loader', '-e', 'setTimeout(() => {}, 500)'], { env: { HOT_CONTROL_DIR: open } });
    assert.is(refused.status, 0, 'the host runs on');
    assert.match(refused.stderr, /\[hot\] control endpoint: not started: .* is open to other users \(mode 755\); run chmod 700/);
    assert.equal(readdirFiles(open), [], 'nothing written into it');
  } finally {
    app.remove();
  }
  const configured = project({ 'package.json': JSON.stringify({ type: 'module', hot: { control: false } }), 'main.js': 'setTimeout(() => {}, 300);\n' });
  try {
    const dir = controlDir();
    const result = configured.run(['--import', '@hot/loader', 'main.js'], { env: { HOT_CONTROL_DIR: dir } });
    assert.is(result.status, 0, result.stderr);
    assert.not.ok(existsSync(dir), 'config control: false: no endpoint');
  } finally {
    configured.remove();
  }
  const badConfig = project({ 'package.json': JSON.stringify({ type: 'module', hot: { control: { port: 'any' } } }), 'main.js': '' });
  try {
    const result = badConfig.run(['--import', '@hot/loader', 'main.js']);
    assert.is.not(result.status, 0);
    assert.match(result.stderr, /'control' must be true, false or \{ "port": <0-65535> \}; got \{"port":"any"\}/);
  } finally {
    badConfig.remove();
  }
});

const readdirFiles = (dir) => readdirSync(dir);

test.run();
