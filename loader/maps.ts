/**
 * Where the source maps of transformed modules live when they have no place in the disk
 * cache (a reload's version, a project with `cache: false`): a directory of this process's
 * own under the system temp directory, made at the first such map and removed at exit.
 *
 * Why files and not the `data:` URL inline: V8 keeps a module's source for the life of the
 * process and Node never frees a module, so an inline map (base64, ~1.2x the module's size
 * with column-exact mappings) stayed in memory once per version: 60% of what a reload
 * retained. Node 22+ reads a map file only when a stack trace or `findSourceMap` needs it.
 */
const { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { tmpdir } = process.getBuiltinModule('node:os');
const { join } = process.getBuiltinModule('node:path');

const PREFIX = 'hot-loader-maps-';

/** This process's directories (one per thread that wrote maps: the hooks thread on Node 20). */
const prefixOf = (pid: number) => `${PREFIX}${pid}-`;

let directory: string | null | undefined;
let writes = 0;

/**
 * Writes `text` to a temp name beside `file`, then renames it into place: a reader never sees
 * half of it. With `mode`, the file gets it (a file replaced keeps its permissions).
 * @throws what the file system throws
 */
export function replaceWhole(file: string, text: string, mode?: number): void {
  const partial = `${file}.${process.pid}.${++writes}.tmp`;
  writeFileSync(partial, text);
  if (mode !== undefined) chmodSync(partial, mode);
  renameSync(partial, file);
}

/** {@link replaceWhole}, true when it was written (a cache write that fails is skipped, not thrown). */
export function writeWhole(file: string, text: string): boolean {
  try {
    replaceWhole(file, text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a map into this process's map directory and returns its path, or null when the temp
 * directory is not writable.
 */
export function writeSessionMap(name: string, text: string): string | null {
  if (directory === undefined) directory = makeDirectory();
  if (directory === null) return null;
  if (sessionMaps.has(name) && existsSync(join(directory, name))) return join(directory, name);
  // Straight to its name, no temp file and rename (a reload felt the extra ~0.1 ms): the
  // directory is this process's own, and a name (a content key) is written once. If it is gone
  // (a temp cleaner removes what a server has not touched for days), it is made again, once.
  for (let again = false; ; again = true) {
    const file = join(directory, name);
    try {
      writeFileSync(file, text);
      sessionMaps.add(name);
      return file;
    } catch {
      if (again || existsSync(directory)) return null;
      sessionMaps.clear();
      directory = makeDirectory();
      if (directory === null) return null;
    }
  }
}

/** Names of the maps written to this process's directory. */
const sessionMaps = new Set<string>();

function makeDirectory(): string | null {
  try {
    sweep();
    // mkdtemp: a fresh 0700 directory no other user can have made or linked beforehand.
    const made = mkdtempSync(join(tmpdir(), prefixOf(process.pid)));
    // On the main thread (Node 22+) it goes at exit; Node 20's hooks thread gets no exit event
    // of its own, and there the loader calls removeSessionMaps() (loader/index.ts).
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    return made;
  } catch {
    return null;
  }
}

/**
 * Removes the map directories of processes that are gone (killed before their exit handler
 * ran), owned by this user: a crash leaves no maps behind for longer than the next reload.
 */
function sweep(): void {
  const uid = process.getuid?.();
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length, name.indexOf('-', PREFIX.length)));
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    const path = join(tmpdir(), name);
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory() && (uid === undefined || stat.uid === uid)) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes this process's map directories, from whichever thread made them: what the loader
 * calls at exit on Node 20, whose hooks thread gets no exit event of its own.
 */
export function removeSessionMaps(): void {
  directory = undefined;
  sessionMaps.clear();
  const prefix = prefixOf(process.pid);
  try {
    for (const name of readdirSync(tmpdir())) if (name.startsWith(prefix)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  } catch {
    // nothing to remove
  }
}
