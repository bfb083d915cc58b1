// API keys: random, shown once, stored only as a SHA-256 hash. A key has ~190 bits of entropy, so a
// fast hash is enough (no salt or slow KDF needed: nothing to brute-force), and lookups by hash are O(1).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sk_';

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = PREFIX + randomBytes(24).toString('base64url');
  return { key, prefix: key.slice(0, PREFIX.length + 6), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex hashes (belt and braces: the lookup is by hash already). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
