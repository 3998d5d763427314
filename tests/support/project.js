// Throw-away projects for loader tests: a temp directory with a package.json,
// node_modules/@hot/loader linked to this checkout, and the given files.
// With HOT_TEST_INSTALL=<dir> (tests/install.test.js sets it), projects are made inside
// <dir>, an app where the packed tarball was installed with npm, and link nothing: they
// resolve @hot/loader and its dependencies from <dir>/node_modules, as a user's app does.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const node = process.env.HOT_TEST_NODE || process.execPath;

/** Creates a project from `{ path: contents }`; `package.json` defaults to `{ "type": "module" }`. */
const installed = process.env.HOT_TEST_INSTALL || null;

export function project(files, { link = ['@hot/loader'] } = {}) {
  const dir = mkdtempSync(join(installed ?? tmpdir(), 'hot-loader-test-'));
  const all = { 'package.json': JSON.stringify({ name: 'test-project', type: 'module' }), ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof text === 'string' ? text : JSON.stringify(text));
  }
  mkdirSync(join(dir, 'node_modules', '@hot'), { recursive: true });
  for (const name of installed ? [] : link) {
    const target = name === '@hot/loader' ? root : join(root, 'node_modules', name);
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(target, join(dir, 'node_modules', name), 'dir');
  }
  return {
    dir,
    path: (file) => join(dir, file),
    write: (file, text) => writeFileSync(join(dir, file), text),
    /** Runs node with `args` in the project; returns { status, stdout, stderr }. */
    run(args, { env = {}, cwd = '.' } = {}) {
      const result = spawnSync(node, args, { cwd: join(dir, cwd), encoding: 'utf8', env: { ...process.env, HOT_QUIET: '', ...env }, timeout: 30_000 });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** [major, minor] of the Node that runs the loader tests. */
export function nodeVersion() {
  const text = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return text.slice(1).split('.').map(Number);
}
