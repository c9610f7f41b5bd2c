import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

export const DEFAULT_NONCE_LIFETIME_MS = 300_000;

const STAMP_BYTES = 8;
const MAC_BYTES = 16;
/** SHA-256's block and digest sizes (HMAC, RFC 2104). */
const BLOCK = 64;
const SHA256_BYTES = 32;
/** base64url of 24 bytes, no padding. */
const NONCE_LENGTH = 32;
const NONCE_CHARS = /^[A-Za-z0-9_-]{32}$/;

export type NonceCheck =
  /** `expiresAt`: when the nonce stops being fresh, ms since the epoch. */
  | { state: 'fresh'; expiresAt: number }
  /** Ours, but older than the lifetime: a right response earns stale=true (RFC 7616 §3.3). */
  | { state: 'stale' }
  /** Not minted by this secret for this realm: forged, tampered with or truncated. */
  | { state: 'invalid' };

export interface NonceIssuerOptions {
  /** HMAC key; share it across a cluster so any node verifies any node's nonces. Random if absent. */
  secret?: Buffer;
  lifetimeMs?: number;
  now?: () => number;
}

/**
 * Stateless nonces (RFC 7616 §5.4 suggests time-stamp + keyed hash): base64url(stamp(8) +
 * HMAC-SHA256(secret, stamp | realm)[0..16]). Verifying needs no storage, so a registrar can
 * hand out any number without growing memory, and a forged or cross-realm nonce fails the MAC.
 * The stamp is microseconds since the epoch, strictly increasing per issuer, so two challenges
 * from one process never share a nonce (nonce-counts are kept per nonce).
 */
export class NonceIssuer {
  readonly lifetimeMs: number;
  private readonly now: () => number;
  private lastStamp = 0;
  /** HMAC's inner pad, then the message (stamp, realm): one reused scratch buffer. */
  private inner = Buffer.alloc(BLOCK + STAMP_BYTES + 256);
  /** HMAC's outer pad, then the inner hash. */
  private readonly outer = Buffer.alloc(BLOCK + SHA256_BYTES);

  constructor(options: NonceIssuerOptions = {}) {
    if (options.secret !== undefined && options.secret.length < 16) {
      throw new RangeError('nonce secret must be at least 16 bytes');
    }
    // RFC 2104 §2: the key XORed into the pads once; a key longer than the block is hashed first.
    const secret = options.secret ?? randomBytes(32);
    const key = secret.length > BLOCK ? hash('sha256', secret, 'buffer') : secret;
    this.inner.fill(0x36, 0, BLOCK);
    this.outer.fill(0x5c, 0, BLOCK);
    for (let i = 0; i < key.length; i++) {
      this.inner[i] = this.inner[i]! ^ key[i]!;
      this.outer[i] = this.outer[i]! ^ key[i]!;
    }
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_NONCE_LIFETIME_MS;
    this.now = options.now ?? Date.now;
  }

  issue(realm: string): string {
    const stamp = Math.max(Math.floor(this.now() * 1000), this.lastStamp + 1);
    this.lastStamp = stamp;
    const out = Buffer.allocUnsafe(STAMP_BYTES + MAC_BYTES);
    writeStamp(out, stamp);
    this.mac(out.subarray(0, STAMP_BYTES), realm).copy(out, STAMP_BYTES, 0, MAC_BYTES);
    return out.toString('base64url');
  }

  check(nonce: string, realm: string): NonceCheck {
    if (nonce.length !== NONCE_LENGTH || !NONCE_CHARS.test(nonce)) return { state: 'invalid' };
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== STAMP_BYTES + MAC_BYTES) return { state: 'invalid' };
    const expected = this.mac(raw.subarray(0, STAMP_BYTES), realm).subarray(0, MAC_BYTES);
    if (!timingSafeEqual(expected, raw.subarray(STAMP_BYTES))) return { state: 'invalid' };
    const issuedAt = readStamp(raw) / 1000;
    const now = this.now();
    // A genuine stamp from the future means a skewed clock in the cluster or a leaked secret.
    if (issuedAt > now + this.lifetimeMs) return { state: 'invalid' };
    const expiresAt = issuedAt + this.lifetimeMs;
    return now > expiresAt ? { state: 'stale' } : { state: 'fresh', expiresAt };
  }

  /**
   * HMAC-SHA256(secret, stamp | realm) as two one-shot hashes over the precomputed pads: the same
   * MAC as createHmac (nonces stay valid across a cluster's versions) at about two thirds of the
   * cost of a Hmac object per challenge and per check. Node has no reusable HMAC state.
   */
  private mac(stamp: Buffer, realm: string): Buffer {
    const size = BLOCK + STAMP_BYTES + Buffer.byteLength(realm, 'utf8');
    if (this.inner.length < size) {
      const grown = Buffer.alloc(size * 2);
      this.inner.copy(grown, 0, 0, BLOCK);
      this.inner = grown;
    }
    stamp.copy(this.inner, BLOCK, 0, STAMP_BYTES);
    this.inner.write(realm, BLOCK + STAMP_BYTES, 'utf8');
    hash('sha256', this.inner.subarray(0, size), 'buffer').copy(this.outer, BLOCK);
    return hash('sha256', this.outer, 'buffer');
  }
}

// Exact for stamps below 2^53 µs (year 2255), without BigInt.
function writeStamp(buf: Buffer, stamp: number): void {
  buf.writeUInt32BE(Math.floor(stamp / 2 ** 32), 0);
  buf.writeUInt32BE(stamp % 2 ** 32, 4);
}

function readStamp(buf: Buffer): number {
  return buf.readUInt32BE(0) * 2 ** 32 + buf.readUInt32BE(4);
}
