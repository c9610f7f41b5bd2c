import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { crc32 } from 'node:zlib';

/**
 * STUN messages (RFC 5389) as ICE-lite (RFC 8445) needs them on a media port: parse a datagram
 * into its attributes, check MESSAGE-INTEGRITY (§15.4, short-term credentials) and FINGERPRINT
 * (§15.5), and build responses carrying both. Nothing here throws on bad input: parse() answers
 * undefined and the checks answer false.
 */

export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_LENGTH = 20;

export const StunMethod = { binding: 0x001 } as const;
export const StunClass = { request: 0, indication: 1, success: 2, error: 3 } as const;

export const StunAttribute = {
  mappedAddress: 0x0001,
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  unknownAttributes: 0x000a,
  xorMappedAddress: 0x0020,
  priority: 0x0024,
  useCandidate: 0x0025,
  software: 0x8022,
  fingerprint: 0x8028,
  iceControlled: 0x8029,
  iceControlling: 0x802a,
} as const;

/** RFC 5389 §15.5: the CRC-32 is XORed with this ("STUN"). */
const FINGERPRINT_XOR = 0x5354554e;

export interface StunMessage {
  method: number;
  cls: number;
  transactionId: Buffer;
  /** Attributes in order; a repeated type keeps its first value (RFC 5389 §15). */
  attributes: Map<number, Buffer>;
  /** Offset of MESSAGE-INTEGRITY's header, when present. */
  integrityAt?: number;
  /** Offset of FINGERPRINT's header, when present. */
  fingerprintAt?: number;
  raw: Buffer;
}

/** RFC 7983 §7: a first byte of 0–3 is STUN on a port shared with DTLS and RTP. */
export function looksLikeStun(data: Buffer): boolean {
  return data.length >= HEADER_LENGTH && data[0]! < 4 && data.readUInt32BE(4) === MAGIC_COOKIE;
}

/** RFC 5389 §6, §15: a whole, well-formed STUN message, else undefined. */
export function parseStun(data: Buffer): StunMessage | undefined {
  if (!looksLikeStun(data)) return undefined;
  const length = data.readUInt16BE(2);
  if (length % 4 !== 0 || length !== data.length - HEADER_LENGTH) return undefined;
  const type = data.readUInt16BE(0);
  // §6: method bits M0-M11 around the class bits C0 (bit 4) and C1 (bit 8).
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7);
  const message: StunMessage = {
    method,
    cls,
    transactionId: data.subarray(8, 20),
    attributes: new Map(),
    raw: data,
  };
  let at = HEADER_LENGTH;
  while (at < data.length) {
    if (at + 4 > data.length) return undefined;
    const attrType = data.readUInt16BE(at);
    const attrLength = data.readUInt16BE(at + 2);
    const end = at + 4 + attrLength;
    if (end > data.length) return undefined;
    if (message.fingerprintAt !== undefined) return undefined; // §15.5: FINGERPRINT is last.
    if (attrType === StunAttribute.messageIntegrity) {
      if (attrLength !== 20) return undefined;
      message.integrityAt ??= at;
    } else if (attrType === StunAttribute.fingerprint) {
      if (attrLength !== 4) return undefined;
      message.fingerprintAt = at;
    }
    // §15.4: attributes after MESSAGE-INTEGRITY (but FINGERPRINT) are ignored.
    if (
      !message.attributes.has(attrType) &&
      (message.integrityAt === undefined ||
        at === message.integrityAt ||
        attrType === StunAttribute.fingerprint)
    )
      message.attributes.set(attrType, data.subarray(at + 4, end));
    at = end + ((4 - (attrLength % 4)) % 4);
  }
  if (at !== data.length) return undefined;
  return message;
}

function messageType(method: number, cls: number): number {
  return (
    (method & 0x000f) |
    ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) |
    ((cls & 1) << 4) |
    ((cls & 2) << 7)
  );
}

/** The header with `length` patched in, as §15.4/§15.5 compute over it. */
function withLength(raw: Buffer, end: number, length: number): Buffer {
  const head = Buffer.from(raw.subarray(0, end));
  head.writeUInt16BE(length, 2);
  return head;
}

function hmac(key: Buffer | string, data: Buffer): Buffer {
  return createHmac('sha1', key).update(data).digest();
}

/**
 * §15.4: HMAC-SHA1 keyed with the short-term password over the message up to MESSAGE-INTEGRITY,
 * the header's length covering it. False when absent or wrong.
 */
export function verifyIntegrity(message: StunMessage, password: string): boolean {
  const at = message.integrityAt;
  if (at === undefined) return false;
  const expected = hmac(password, withLength(message.raw, at, at + 24 - HEADER_LENGTH));
  return timingSafeEqual(expected, message.raw.subarray(at + 4, at + 24));
}

function fingerprintOf(head: Buffer): number {
  return (crc32(head) ^ FINGERPRINT_XOR) >>> 0;
}

/** §15.5: CRC-32 of the message up to FINGERPRINT, XORed with 0x5354554e. False when absent or wrong. */
export function verifyFingerprint(message: StunMessage): boolean {
  const at = message.fingerprintAt;
  if (at === undefined) return false;
  return fingerprintOf(message.raw.subarray(0, at)) === message.raw.readUInt32BE(at + 4);
}

function attribute(type: number, value: Buffer): Buffer {
  const padding = (4 - (value.length % 4)) % 4;
  const out = Buffer.alloc(4 + value.length + padding);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

function ipBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  for (const [i, g] of all.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

/** §15.2: the address XORed with the magic cookie (and the transaction id for IPv6). */
export function xorMappedAddress(transactionId: Buffer, address: string, port: number): Buffer {
  const raw = ipBytes(address);
  const out = Buffer.alloc(4 + raw.length);
  out[1] = raw.length === 4 ? 0x01 : 0x02;
  out.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4);
  for (let i = 0; i < raw.length; i++) out[4 + i] = raw[i]! ^ mask[i]!;
  return out;
}

/** Reads XOR-MAPPED-ADDRESS back (for tests and the client side). */
export function readXorMappedAddress(message: StunMessage): { address: string; port: number } | undefined {
  const value = message.attributes.get(StunAttribute.xorMappedAddress);
  if (value === undefined || value.length < 8) return undefined;
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  message.transactionId.copy(mask, 4);
  if (value[1] === 0x01)
    return { address: [0, 1, 2, 3].map((i) => value[4 + i]! ^ mask[i]!).join('.'), port };
  if (value.length < 20) return undefined;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2)
    words.push((((value[4 + i]! ^ mask[i]!) << 8) | (value[5 + i]! ^ mask[i + 1]!)).toString(16));
  return { address: words.join(':'), port };
}

export interface BuildOptions {
  method: number;
  cls: number;
  transactionId: Buffer;
  attributes: Array<[number, Buffer]>;
  /** Short-term password: MESSAGE-INTEGRITY is added with it (§15.4). */
  integrity?: string;
  /** Add FINGERPRINT last (§15.5; ICE requires it, RFC 8445 §7.1). */
  fingerprint?: boolean;
}

/** A STUN message with its attributes, then MESSAGE-INTEGRITY and FINGERPRINT as asked. */
export function buildStun(options: BuildOptions): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt16BE(messageType(options.method, options.cls), 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  options.transactionId.copy(header, 8, 0, 12);
  let body = Buffer.concat(options.attributes.map(([type, value]) => attribute(type, value)));
  if (options.integrity !== undefined) {
    header.writeUInt16BE(body.length + 24, 2);
    const mac = hmac(options.integrity, Buffer.concat([header, body]));
    body = Buffer.concat([body, attribute(StunAttribute.messageIntegrity, mac)]);
  }
  if (options.fingerprint === true) {
    header.writeUInt16BE(body.length + 8, 2);
    const value = Buffer.alloc(4);
    value.writeUInt32BE(fingerprintOf(Buffer.concat([header, body])), 0);
    body = Buffer.concat([body, attribute(StunAttribute.fingerprint, value)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

/** §15.6: ERROR-CODE's value for `code` and its reason phrase. */
export function errorCode(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const out = Buffer.alloc(4 + text.length);
  out[2] = Math.floor(code / 100);
  out[3] = code % 100;
  text.copy(out, 4);
  return out;
}
