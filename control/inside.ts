/**
 * Paths a request names, checked to be inside the project root: what the control endpoint
 * and the fleet agent reload or run as a hotfix must never be a file elsewhere.
 */
import { RequestError, type RequestId } from './protocol.js';
const { existsSync, realpathSync } = process.getBuiltinModule('node:fs');
const { isAbsolute, relative, resolve: resolvePath, sep } = process.getBuiltinModule('node:path');

/** Whether `path` is under `directory` (not the directory itself). */
export function within(directory: string, path: string): boolean {
  const rel = relative(directory, path);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
}

/**
 * The path as written, resolved against the root, if it is inside the root (`realRoot` is
 * the root with symlinks resolved). Checked before anything is looked up:
 * `../../etc/passwd` is refused without touching the disk.
 * @throws {RequestError} ERR_HOT_OUTSIDE_ROOT
 */
export function underRoot(root: string, realRoot: string, path: string, id: RequestId | null): string {
  const absolute = isAbsolute(path) ? resolvePath(path) : resolvePath(root, path);
  if (!within(root, absolute) && !within(realRoot, absolute)) throw outside(realRoot, path, id);
  return absolute;
}

/**
 * A path of a request as a real path inside the root. Relative paths are relative to the
 * root. The path as written is checked first, then with symlinks resolved (a link inside the
 * root to a file outside it).
 * @throws {RequestError} ERR_HOT_OUTSIDE_ROOT, ERR_HOT_NOT_FOUND
 */
export function insideRoot(root: string, realRoot: string, path: string, id: RequestId | null): string {
  const absolute = underRoot(root, realRoot, path, id);
  if (!existsSync(absolute)) throw new RequestError('ERR_HOT_NOT_FOUND', `${path} does not exist (relative paths are relative to ${realRoot})`, id);
  const real = realpathSync(absolute);
  if (!within(realRoot, real)) throw outside(realRoot, path, id);
  return real;
}

function outside(realRoot: string, path: string, id: RequestId | null): RequestError {
  return new RequestError('ERR_HOT_OUTSIDE_ROOT', `${path} is outside the project root ${realRoot}; only files under it can be reloaded or run as hotfixes`, id);
}
