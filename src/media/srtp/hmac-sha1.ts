import { hash } from 'node:crypto';

const BLOCK = 64;
const DIGEST = 20;

/**
 * HMAC-SHA1 (RFC 2104) for one authentication key, for the packet path: the key's inner and outer
 * pads are computed once, and a tag is two one-shot hashes over a reused scratch buffer, which
 * node:crypto runs cheaper than a createHmac object per packet (5.1 against 6.0 µs on a G.711
 * packet, bench/srtp-packet.ts). Node has no reusable HMAC state.
 */
export class HmacSha1 {
  private inner: Buffer;
  private readonly outer = Buffer.alloc(BLOCK + DIGEST);

  constructor(key: Buffer) {
    // RFC 2104 §2: a key longer than the block is hashed first; SRTP's 20-byte keys never are.
    const k = key.length > BLOCK ? hash('sha1', key, 'buffer') : key;
    this.inner = Buffer.alloc(BLOCK + 2048);
    this.inner.fill(0x36, 0, BLOCK);
    this.outer.fill(0x5c, 0, BLOCK);
    for (let i = 0; i < k.length; i++) {
      this.inner[i] = this.inner[i]! ^ k[i]!;
      this.outer[i] = this.outer[i]! ^ k[i]!;
    }
  }

  /**
   * The first `length` bytes of HMAC(key, data[start, end) ‖ trailer), written into `target` at
   * `at`; `trailer` (SRTP's ROC, 4 bytes) is appended to the message when given.
   */
  tag(
    data: Buffer,
    start: number,
    end: number,
    trailer: number | undefined,
    length: number,
    target: Buffer,
    at: number,
  ): void {
    const size = BLOCK + (end - start) + (trailer === undefined ? 0 : 4);
    if (this.inner.length < size) {
      const grown = Buffer.alloc(size * 2);
      this.inner.copy(grown, 0, 0, BLOCK);
      this.inner = grown;
    }
    data.copy(this.inner, BLOCK, start, end);
    if (trailer !== undefined) this.inner.writeUInt32BE(trailer >>> 0, BLOCK + end - start);
    hash('sha1', this.inner.subarray(0, size), 'buffer').copy(this.outer, BLOCK);
    hash('sha1', this.outer, 'buffer').copy(target, at, 0, length);
  }
}
