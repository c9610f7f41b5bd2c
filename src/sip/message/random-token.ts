import { randomFillSync } from 'node:crypto';

/**
 * Cryptographically random hex tokens for tags, branches and Call-IDs (RFC 3261 §19.3: at least
 * 32 random bits). Bytes come from a pool refilled 4 KiB at a time: one getrandom call per
 * hundreds of tokens instead of one per token, which on a proxy is per message.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

export function randomToken(bytes = 8): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return token;
}
