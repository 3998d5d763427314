// Fixture staging for reload scenarios: copies tests/fixtures/<name>/v1 into a
// fresh working directory inside the project (so the loader treats it as a
// project file), then swaps in v2, v3, … on request.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as assert from 'uvu/assert';
import { reload } from '@hot/loader/runtime';

const tests = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(tests, '.work', String(process.pid));

/**
 * Stages `tests/fixtures/<name>/v1` and returns helpers to import, edit and swap versions.
 * `as` names the working directory, so one fixture can be staged afresh by several tests.
 */
export function stage(name, { as = name } = {}) {
  const source = join(tests, 'fixtures', name);
  if (!existsSync(join(source, 'v1'))) throw new Error(`no fixture ${source}/v1`);
  const dir = join(work, as);
  mkdirSync(dir, { recursive: true });
  cpSync(join(source, 'v1'), dir, { recursive: true });
  const path = (file) => join(dir, file);
  return {
    dir,
    path,
    url: (file) => pathToFileURL(path(file)).href,
    import: (file) => import(pathToFileURL(path(file)).href),
    /** Copies tests/fixtures/<name>/<version> over the working files. */
    to(version) {
      const from = join(source, version);
      if (!existsSync(from)) throw new Error(`no fixture ${from}`);
      cpSync(from, dir, { recursive: true });
    },
    read: (file) => readFileSync(path(file), 'utf8'),
    write: (file, text) => writeFileSync(path(file), text),
  };
}

/** Waits for `predicate()` to be true, failing with `message` after `ms`. */
export async function until(predicate, message, ms = 2000) {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${message}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Swaps in a fixture version, reloads the given files and asserts the batch applied. */
export async function reloaded(fixture, files, version = 'v2') {
  fixture.to(version);
  const report = await reload(files.map((file) => fixture.path(file)));
  assert.ok(report.ok, `reload failed: ${JSON.stringify(report.error)}`);
  return report;
}
