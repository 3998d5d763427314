/**
 * Discovery files: how the `hot` CLI (or an admin tool) finds the hot processes of the
 * machine's current user, and the token each one wants.
 *
 * One file per process, `<pid>.json`, in a per-user directory. The token in it is the
 * only thing between another local user and the control endpoint, which can run hotfix
 * code: so the directory must be ours and closed (0700, not a symlink, owned by this uid)
 * and the file readable by us alone (0600), or nothing is written or read.
 */
const { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } = process.getBuiltinModule('node:fs');
const { tmpdir } = process.getBuiltinModule('node:os');
const { join } = process.getBuiltinModule('node:path');

/** What a running hot process publishes about its control endpoint. */
export interface Discovery {
  pid: number;
  /** The loopback address the endpoint listens on. */
  host: '127.0.0.1';
  port: number;
  /** Sent as `Authorization: Bearer <token>`. */
  token: string;
  /** The project root (the entry's nearest package.json): the endpoint reloads files under it only. */
  root: string;
  /** The entry file, or null (`node --import @hot/loader -e …`). */
  entry: string | null;
  /** `process.version` of the process. */
  node: string;
  /** The @hot/loader version the process runs. */
  loader: string;
  /** When the process started (ISO 8601). */
  started: string;
}

/** Why the directory cannot be used, for the one warning the process prints. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
}

/**
 * The per-user directory: `HOT_CONTROL_DIR`, or `hot-loader-<uid>` in the OS temp directory.
 * Every process of one user that agrees on TMPDIR (or HOT_CONTROL_DIR) finds the others.
 */
export function discoveryDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HOT_CONTROL_DIR) return env.HOT_CONTROL_DIR;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `hot-loader-${uid}`);
}

/**
 * Makes the directory (0700) if it is missing, and checks that it is safe to use: a
 * directory, not a symlink, owned by this user, with no access for group or others.
 * An existing directory is never loosened or repaired: someone else may have made it.
 * @throws {DiscoveryError} saying what is wrong and how to fix it
 */
export function openDirectory(directory: string): string {
  try {
    mkdirSync(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new DiscoveryError(`cannot create ${directory}: ${(error as Error).message}`);
  }
  checkDirectory(directory);
  return directory;
}

/** The same checks, for a reader (the CLI): a directory that does not exist has no processes. */
export function checkDirectory(directory: string): void {
  const stat = lstatSync(directory);
  if (stat.isSymbolicLink() || !stat.isDirectory()) throw new DiscoveryError(`${directory} is not a directory (a symlink or a file is refused); remove it`);
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw new DiscoveryError(`${directory} belongs to uid ${stat.uid}, not to this user (${process.getuid()}); remove it or set HOT_CONTROL_DIR`);
  if ((stat.mode & 0o077) !== 0) throw new DiscoveryError(`${directory} is open to other users (mode ${(stat.mode & 0o777).toString(8)}); run chmod 700 ${directory}`);
}

/** Writes this process's file (0600), atomically: a reader never sees half of it. Returns its path. */
export function writeDiscovery(directory: string, discovery: Discovery): string {
  const file = join(directory, `${discovery.pid}.json`);
  const partial = `${file}.${process.hrtime.bigint()}.tmp`;
  const fd = openSync(partial, 'wx', 0o600);
  try {
    // The umask cannot widen 0600, but a file system may ignore the mode: say exactly what we want.
    chmodSync(partial, 0o600);
    writeSync(fd, JSON.stringify(discovery, null, 2) + '\n');
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  return file;
}

/** The discovery file of `pid`, if there is one that parses. */
export function readDiscovery(directory: string, pid: number): Discovery | null {
  try {
    const discovery = JSON.parse(readFileSync(join(directory, `${pid}.json`), 'utf8')) as Discovery;
    return discovery && discovery.pid === pid ? discovery : null;
  } catch {
    return null;
  }
}

/** Removes a file if it is there. */
export function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Whether a process with this pid is running (a pid of another user's process counts as running). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The live processes' discovery files. Files of processes that are gone (killed without
 * running their exit handlers) are removed; files that are not ours or do not parse are skipped.
 */
export function listDiscoveries(directory: string): Discovery[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  checkDirectory(directory);
  const found: Discovery[] = [];
  for (const name of names) {
    const match = /^(\d+)\.json$/.exec(name);
    if (!match) continue;
    const file = join(directory, name);
    const pid = Number(match[1]);
    if (!isRunning(pid)) {
      removeFile(file);
      continue;
    }
    try {
      const stat = lstatSync(file);
      if (!stat.isFile() || (stat.mode & 0o077) !== 0) continue;
      const discovery = JSON.parse(readFileSync(file, 'utf8')) as Discovery;
      if (discovery.pid === pid && typeof discovery.port === 'number' && typeof discovery.token === 'string') found.push(discovery);
    } catch {
      // written by something else, or removed as we read it
    }
  }
  return found.sort((a, b) => a.pid - b.pid);
}
