/**
 * The files the runtime API is given: `reload(files)` and `hotfix(file)` take the same inputs
 * and check them the same way.
 */
import { HotError } from '../transform/errors.js';
// Builtins through process.getBuiltinModule, not `import` (see batch.ts).
const { realpathSync } = process.getBuiltinModule('node:fs');
const { isAbsolute, resolve: resolvePath } = process.getBuiltinModule('node:path');
const { fileURLToPath, pathToFileURL } = process.getBuiltinModule('node:url');

/** A path (absolute or relative to the working directory), a file URL string, or a URL. */
export type FileInput = string | URL;

/**
 * The real path (symlinks resolved) of an existing file named by `file`.
 * @param call how the caller is named in errors, with what it accepts: `reload() takes a path or a file URL, or an array of them`
 * @throws {HotError} ERR_HOT_INVALID_ARGUMENT for anything but a path or a file: URL, ERR_HOT_NOT_FOUND for a missing file
 */
export function realFile(file: FileInput, call: string): string {
  let url: URL;
  if (file instanceof URL) url = file;
  else if (typeof file === 'string' && file.startsWith('file:')) url = new URL(file);
  else if (typeof file === 'string' && file.length > 0) url = pathToFileURL(isAbsolute(file) ? file : resolvePath(file));
  else throw new HotError('ERR_HOT_INVALID_ARGUMENT', `${call}; got ${JSON.stringify(file) ?? String(file)}`);
  if (url.protocol !== 'file:') throw new HotError('ERR_HOT_INVALID_ARGUMENT', `${call}; got ${url.href}, not a file: URL`);
  const path = fileURLToPath(url);
  try {
    return realpathSync(path);
  } catch {
    throw new HotError('ERR_HOT_NOT_FOUND', `${path} does not exist`);
  }
}
