import { createHash } from 'node:crypto';

/** A short, stable hash of a piece of source text (changed-initializer rule, change detection, cache keys). */
export function fingerprint(text: string): string {
  return createHash('sha1').update(text).digest('base64url').slice(0, 16);
}
