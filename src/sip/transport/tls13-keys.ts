import { createHmac } from 'node:crypto';

/** The TLS 1.3 cipher suites our record layer carries (RFC 8446 §B.4; CCM is not offered). */
export const TLS13_SUITES = {
  TLS_AES_128_GCM_SHA256: { hash: 'sha256', hashLength: 32, cipher: 'aes-128-gcm', keyLength: 16 },
  TLS_AES_256_GCM_SHA384: { hash: 'sha384', hashLength: 48, cipher: 'aes-256-gcm', keyLength: 32 },
  TLS_CHACHA20_POLY1305_SHA256: {
    hash: 'sha256',
    hashLength: 32,
    cipher: 'chacha20-poly1305',
    keyLength: 32,
  },
} as const;

export type Tls13SuiteName = keyof typeof TLS13_SUITES;
export type Tls13Suite = (typeof TLS13_SUITES)[Tls13SuiteName];

export function isTls13Suite(name: string): name is Tls13SuiteName {
  return Object.hasOwn(TLS13_SUITES, name);
}

/** HKDF-Expand (RFC 5869 §2.3). */
function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  let total = 0;
  for (let i = 1; total < length; i++) {
    previous = createHmac(hash, prk)
      .update(previous)
      .update(info)
      .update(Buffer.from([i]))
      .digest();
    blocks.push(previous);
    total += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label (RFC 8446 §7.1): the HkdfLabel is length, "tls13 " + label, context. */
export function hkdfExpandLabel(
  hash: string,
  secret: Buffer,
  label: string,
  context: Buffer,
  length: number,
): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, fullLabel.length]),
    fullLabel,
    Buffer.from([context.length]),
    context,
  ]);
  return hkdfExpand(hash, secret, info, length);
}

const NO_CONTEXT = Buffer.alloc(0);

/**
 * One direction's traffic protection (RFC 8446 §7.3): the application traffic secret, the key and
 * IV derived from it, and the record sequence number under them.
 */
export class TrafficKeys {
  /** Records protected under these keys so far (the next record's sequence number, §5.3). */
  sequence = 0;
  readonly key: Buffer;
  readonly iv: Buffer;

  private readonly secret: Buffer;

  constructor(
    readonly suite: Tls13Suite,
    secret: Buffer,
  ) {
    // Our own copy: the caller wipes the one it was given.
    this.secret = Buffer.from(secret);
    this.key = hkdfExpandLabel(suite.hash, secret, 'key', NO_CONTEXT, suite.keyLength);
    this.iv = hkdfExpandLabel(suite.hash, secret, 'iv', NO_CONTEXT, 12);
  }

  /** The keys after a KeyUpdate (RFC 8446 §7.2): application_traffic_secret_N+1, sequence 0. */
  next(): TrafficKeys {
    const hash = this.suite.hash;
    return new TrafficKeys(
      this.suite,
      hkdfExpandLabel(hash, this.secret, 'traffic upd', NO_CONTEXT, this.suite.hashLength),
    );
  }

  /** The per-record nonce (RFC 8446 §5.3): the 64-bit sequence, left-padded, XOR the IV. */
  nonce(): Buffer {
    const nonce = Buffer.from(this.iv);
    let sequence = this.sequence;
    for (let i = 11; i >= 4 && sequence > 0; i--) {
      nonce[i] = (nonce[i] ?? 0) ^ (sequence % 256);
      sequence = Math.floor(sequence / 256);
    }
    return nonce;
  }
}
