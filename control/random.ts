/**
 * Random bytes without loading node:crypto (~3 ms, which every hot process and every `hot`
 * command would pay at start): read from /dev/urandom where there is one, from node:crypto
 * elsewhere.
 */
const { closeSync, openSync, readSync } = process.getBuiltinModule('node:fs');

export function randomBytes(count: number): Buffer {
  const bytes = Buffer.alloc(count);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      let read = 0;
      while (read < count) {
        const got = readSync(fd, bytes, read, count - read, null);
        if (got === 0) throw new Error('/dev/urandom ended');
        read += got;
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    process.getBuiltinModule('node:crypto').randomFillSync(bytes);
  }
  return bytes;
}
