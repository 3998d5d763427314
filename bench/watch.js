// Save -> new code running, as a developer meets it: a running app polls `value()` every
// millisecond and prints it with the time when it changes; the bench saves lib.js and takes
// the difference (both clocks are performance.timeOrigin + performance.now(), the same wall
// clock). In-place and atomic-rename saves, 25 of each; p50 and p95. Peers in the same run,
// each set up as its own documentation says: dynohot (its own watcher; the app accepts
// lib.js), hot-hook (lib.js a boundary, imported again on each check), Vite's module runner
// (a host script runs the app through runner.import; the app accepts lib.js through Vite's
// HMR), and node --watch (a restart: state lost).
// Then a soak, for every peer, on the same running app: 200 saves in bursts of 20, 5-50 ms
// apart, mixed styles (in place, truncate then write, atomic rename, delete then recreate); a
// burst whose last content is not running within 1 s counts as a lost save.
//
//   node bench/watch.js        this Node; HOT_BENCH_SAVES=25, HOT_BENCH_SOAK=1000 (per peer; a lost
//                              burst costs 1 s of waiting, and some peers lose most), HOT_BENCH_PEERS=a,b
import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, median } from './support.js';

const root = join(benchDir, '..');
const SAVES = Number(process.env.HOT_BENCH_SAVES ?? 25);
const SOAK = Number(process.env.HOT_BENCH_SOAK ?? 1000);
/** How long a burst's last content may take to run before the burst counts as lost (3x node --watch's restart). */
const SOAK_WAIT_MS = 1000;
const now = () => performance.timeOrigin + performance.now();
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const lib = (v) => `export function value() { return ${JSON.stringify(v)}; }\n`;
// The app: `head` binds `value` (and may accept lib.js), `read` is how a check reaches it; a
// check that awaits (hot-hook's import) skips the ticks while one is under way. A check that
// throws (a peer ran lib.js empty or half-written: an in-place save truncates first) keeps the
// last value, as a server keeps serving when one request fails; without this, hot-hook's and
// Vite's apps died of the uncaught error at the first such save, and lost every later one.
const APP = (head, read = 'value()') => read.includes('await')
  ? `${head}
let last;
let busy = false;
const check = async () => {
  if (busy) return;
  busy = true;
  let v;
  try { v = ${read}; } catch { v = last; }
  busy = false;
  if (v !== last) { last = v; process.stdout.write(JSON.stringify({ v, at: performance.timeOrigin + performance.now() }) + '\\n'); }
};
await check();
setInterval(check, 1);
`
  : `${head}
let last;
const check = () => { let v; try { v = ${read}; } catch { v = last; } if (v !== last) { last = v; process.stdout.write(JSON.stringify({ v, at: performance.timeOrigin + performance.now() }) + '\\n'); } };
check();
setInterval(check, 1);
`;
const STATIC = "import { value } from './lib.js';";

const PEERS = {
  '@hot/loader': { args: ['--import', '@hot/loader', 'app.js'], app: APP(STATIC) },
  dynohot: { args: ['--import', 'dynohot', 'app.js'], app: APP(`${STATIC}\nimport.meta.hot?.accept('./lib.js');`) },
  // hot-hook (its README): `--import=hot-hook/register`, and a module made reloadable is a
  // boundary that must be imported dynamically, `await import(path, import.meta.hot?.boundary)`;
  // on a change hot-hook bumps the boundary's version, and the next such import() resolves to
  // the new module. Its users import the boundary where they use it (a route handler imports
  // its controller on each request), so the app imports lib.js again on each 1 ms check: the
  // first check after the save that runs the new code is when a request would have.
  'hot-hook': { args: ['--import=hot-hook/register', 'app.js'], app: APP('', "(await import('./lib.js', import.meta.hot?.boundary)).value()") },
  // Vite's module runner (Vite's SSR / Environment API guides): the host script below is the
  // peer's setup, a dev server in middleware mode (appType custom; ws: false, as nothing here
  // is a browser: the SSR environment's HMR channel is in-process) and
  // createServerModuleRunner(server.environments.ssr) importing the app. Vite's watcher sees
  // lib.js change, and its HMR sends the update to the runner; the app accepts lib.js with
  // a callback that takes the new module's value (a Vite SSR import binding stays the old
  // module's: the callback is how its users pick up the new one).
  vite: {
    args: ['vite-host.js'],
    app: APP(`import { value as first } from './lib.js';\nlet value = first;\nimport.meta.hot?.accept('./lib.js', (next) => { if (next) value = next.value; });`),
    host: `import { createServer, createServerModuleRunner } from 'vite';
const server = await createServer({ server: { middlewareMode: true, ws: false }, appType: 'custom', logLevel: 'error' });
const runner = createServerModuleRunner(server.environments.ssr);
await runner.import('./app.js');
`,
  },
  'node --watch': { args: ['--watch', 'app.js'], app: APP(STATIC) },
};

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

const SAVE = {
  'in place': (file, text) => writeFileSync(file, text),
  'atomic rename': (file, text) => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  },
  'truncate then write': async (file, text) => {
    const fd = openSync(file, 'r+');
    ftruncateSync(fd, 0);
    await pause(2);
    writeSync(fd, text, 0);
    closeSync(fd);
  },
  'delete then recreate': (file, text) => {
    unlinkSync(file);
    writeFileSync(file, text);
  },
};

/** Starts the app under a peer; resolves with a handle once its first value is printed. */
async function start(node, peer, dir) {
  const app = join(dir, peer.replace(/\W+/g, '-'));
  mkdirSync(join(app, 'node_modules', '@hot'), { recursive: true });
  symlinkSync(root, join(app, 'node_modules', '@hot', 'loader'), 'dir');
  for (const name of ['dynohot', 'hot-hook', 'vite']) symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bench-watch', type: 'module' }));
  writeFileSync(join(app, 'lib.js'), lib('v0'));
  writeFileSync(join(app, 'app.js'), PEERS[peer].app);
  if (PEERS[peer].host) writeFileSync(join(app, 'vite-host.js'), PEERS[peer].host);
  // Its own process group: node --watch runs the app in a child, which must go with it.
  const child = spawn(node, PEERS[peer].args, { cwd: app, detached: true, env: { ...process.env, HOT_QUIET: '1', HOT_WATCH: '1', HOT_CONTROL: '0' }, stdio: ['ignore', 'pipe', 'ignore'] });
  const seen = [];
  let wake = null;
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      try {
        seen.push(JSON.parse(line));
      } catch {
        // node --watch prints its own lines
      }
      wake?.();
    }
  });
  const handle = {
    file: join(app, 'lib.js'),
    /** Waits for `v` to be printed; returns its time, or null after `ms`. */
    async running(v, ms = 3000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = seen.findLast((entry) => entry.v === v);
        if (found) return found.at;
        if (Date.now() > deadline) return null;
        await Promise.race([new Promise((resolve) => (wake = resolve)), pause(50)]);
      }
    },
    stop: () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    },
  };
  if ((await handle.running('v0', 15_000)) === null) throw new Error(`${peer} did not start`);
  // Ours starts watching once module loading has been quiet for 200 ms (and a peer may need
  // time to watch): let it settle.
  await pause(1000);
  return handle;
}

/** Save -> running latency for one peer and one save style. */
async function latency(handle, style) {
  const times = [];
  let lost = 0;
  for (let i = 0; i < SAVES; i++) {
    const v = `${style}-${i}`;
    const saved = now();
    await SAVE[style](handle.file, lib(v));
    const at = await handle.running(v);
    if (at === null) lost++;
    else times.push(at - saved);
    await pause(100);
  }
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), lost };
}

/** The soak: bursts of saves in mixed styles; a burst whose last content never runs is a lost save. */
async function soak(handle) {
  const styles = Object.keys(SAVE);
  let seed = 11;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let lost = 0;
  let saves = 0;
  const bursts = [];
  while (saves < SOAK) {
    let last;
    let lastSaved = 0;
    for (let i = 0; i < 20 && saves < SOAK; i++, saves++) {
      last = `soak-${saves}`;
      await SAVE[styles[Math.floor(random() * styles.length)]](handle.file, lib(last));
      lastSaved = now();
      await pause(5 + Math.floor(random() * 45));
    }
    const at = await handle.running(last, SOAK_WAIT_MS);
    if (at === null) lost++;
    else bursts.push(at - lastSaved);
  }
  return { saves, lost, burstMs: median(bursts) };
}

/** Runs every measurement on one Node binary; returns the printed table. */
export async function watchBench(node) {
  const dir = mkdtempSync(join(tmpdir(), 'hot-bench-watch-'));
  const rows = [];
  const soaks = [];
  const only = process.env.HOT_BENCH_PEERS?.split(',');
  try {
    for (const peer of Object.keys(PEERS).filter((name) => !only || only.includes(name))) {
      let handle;
      try {
        handle = await start(node, peer, dir);
      } catch (error) {
        rows.push([peer, 'could not run', String(error.message).slice(0, 60), '', '']);
        soaks.push([peer, 'could not run', '', '']);
        continue;
      }
      try {
        for (const style of ['in place', 'atomic rename']) {
          const result = await latency(handle, style);
          rows.push([peer, style, result.p50?.toFixed(1) ?? '-', result.p95?.toFixed(1) ?? '-', `${result.lost} of ${SAVES}`]);
        }
        const soaked = await soak(handle);
        soaks.push([peer, soaked.saves, `${soaked.lost} of ${Math.ceil(soaked.saves / 20)}`, Number.isFinite(soaked.burstMs) ? soaked.burstMs.toFixed(1) : '-']);
      } finally {
        handle.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [
    `save -> new code running (ms; the app checks every 1 ms), ${SAVES} saves per style, 100 ms apart; goal: p50 ≤ 10 ms on Node 24`,
    '',
    line(['peer', 'save', 'p50', 'p95', 'lost']),
    line(['---', '---', '---', '---', '---']),
    ...rows.map(line),
    '',
    `soak, each peer on the app it just ran: ${SOAK} saves in bursts of 20, 5-50 ms apart, mixed styles (in place, truncate then write, atomic rename, delete then recreate); a burst is lost when its last content did not run within 1 s; ms: last save of a burst -> its content running, median`,
    '',
    line(['peer', 'saves', 'bursts lost', 'ms']),
    line(['---', '---', '---', '---']),
    ...soaks.map(line),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await watchBench(process.execPath));
}
