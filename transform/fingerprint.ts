/**
 * Content hashes for the changed-initializer rule, change detection and cache keys.
 *
 * Pure JavaScript on purpose: loading node:crypto costs 15-20 ms at start-up (it pulls in
 * streams and WebCrypto), more than hashing every module of a 1000-module app. These are
 * not security hashes; they tell edited text from unedited text, where a chance collision
 * of 64 bits of state is
 * out of reach for the number of versions a project ever has.
 */

/**
 * Two 32-bit multiply-xorshift lanes over pairs of UTF-16 code units (64 bits of state;
 * ~0.5 GB/s), then an avalanche that spreads both lanes over four output words.
 */
function lanes(text: string, count: 3 | 4): string {
  let a = 0x6a09e667 ^ text.length;
  let b = 0xbb67ae85;
  const even = text.length & ~1;
  for (let i = 0; i < even; i += 2) {
    const pair = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    a = Math.imul(a ^ pair, 0x9e3779b1);
    b = Math.imul(b ^ pair, 0x85ebca77);
    a ^= a >>> 15;
    b ^= b >>> 13;
  }
  if (even !== text.length) {
    a = Math.imul(a ^ text.charCodeAt(even), 0x9e3779b1);
    b = Math.imul(b ^ text.charCodeAt(even), 0x85ebca77);
  }
  // Avalanche: every output word depends on both lanes.
  let c = Math.imul(a ^ (b >>> 16), 0xc2b2ae3d);
  let d = Math.imul(b ^ (a >>> 15), 0x27d4eb2f);
  for (let round = 0; round < 2; round++) {
    a = Math.imul(a ^ (d >>> 16), 0x85ebca6b) + b;
    b = Math.imul(b ^ (a >>> 13), 0xc2b2ae35) + c;
    c = Math.imul(c ^ (b >>> 16), 0x9e3779b1) + d;
    d = Math.imul(d ^ (c >>> 15), 0x27d4eb2f) + a;
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return count === 3 ? hex(a) + hex(b) + hex(c) : hex(a) + hex(b) + hex(c) + hex(d);
}

/** A short, stable hash (24 hex digits) of a piece of source text. */
export function fingerprint(text: string): string {
  return lanes(text, 3);
}

/** A longer form (32 hex digits), for names of entries kept on disk. */
export function contentKey(text: string): string {
  return lanes(text, 4);
}
