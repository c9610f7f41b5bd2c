import { isIPv4 } from 'node:net';

/**
 * The part of STUN (RFC 5389) a SIP UDP port needs for RFC 5626 §3.5.2 keep-alives: recognise a
 * Binding request and answer it with the source address it came from (XOR-MAPPED-ADDRESS).
 */

const MAGIC_COOKIE = 0x2112a442;
const HEADER = 20;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;

/**
 * RFC 5389 §6: the top two bits zero, the magic cookie, a length that is the rest of the datagram
 * and a multiple of 4. A SIP message starts with a letter, so this never takes one for STUN.
 */
export function isStunMessage(data: Buffer): boolean {
  if (data.length < HEADER || (data[0]! & 0xc0) !== 0) return false;
  if (data.readUInt32BE(4) !== MAGIC_COOKIE) return false;
  const length = data.readUInt16BE(2);
  return length % 4 === 0 && length === data.length - HEADER;
}

export function isStunBindingRequest(data: Buffer): boolean {
  return isStunMessage(data) && data.readUInt16BE(0) === BINDING_REQUEST;
}

/** RFC 5389 §7.3.1, §15.2: a Binding success response carrying the request's transaction id. */
export function stunBindingSuccess(request: Buffer, address: string, port: number): Buffer {
  const v4 = isIPv4(address);
  const addressLength = v4 ? 4 : 16;
  const out = Buffer.alloc(HEADER + 4 + 4 + addressLength);
  out.writeUInt16BE(BINDING_SUCCESS, 0);
  out.writeUInt16BE(4 + 4 + addressLength, 2);
  out.writeUInt32BE(MAGIC_COOKIE, 4);
  request.copy(out, 8, 8, HEADER); // transaction id
  let at = HEADER;
  out.writeUInt16BE(XOR_MAPPED_ADDRESS, at);
  out.writeUInt16BE(4 + addressLength, at + 2);
  out.writeUInt8(0, at + 4);
  out.writeUInt8(v4 ? 0x01 : 0x02, at + 5);
  out.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), at + 6);
  at += 8;
  const raw = v4 ? ipv4Bytes(address) : ipv6Bytes(address);
  // XOR with the magic cookie, then (IPv6) the transaction id: out[4..20) holds both, in order.
  for (let i = 0; i < addressLength; i++) out[at + i] = raw[i]! ^ out[4 + i]!;
  return out;
}

/** The mapped address of a Binding success response (for tests and diagnostics), or undefined. */
export function readXorMappedAddress(response: Buffer): { address: string; port: number } | undefined {
  if (!isStunMessage(response) || response.readUInt16BE(0) !== BINDING_SUCCESS) return undefined;
  let at = HEADER;
  while (at + 4 <= response.length) {
    const type = response.readUInt16BE(at);
    const length = response.readUInt16BE(at + 2);
    if (type === XOR_MAPPED_ADDRESS && length >= 8) {
      const family = response[at + 5];
      const port = response.readUInt16BE(at + 6) ^ (MAGIC_COOKIE >>> 16);
      const size = family === 0x01 ? 4 : 16;
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = response[at + 8 + i]! ^ response[4 + i]!;
      const address =
        family === 0x01
          ? [...bytes].join('.')
          : Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':');
      return { address, port };
    }
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
  return undefined;
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** 16 octets of an IPv6 address, `::` expanded (a dotted IPv4 tail included). */
function ipv6Bytes(address: string): Buffer {
  // A dotted tail (`::ffff:192.0.2.1`) becomes two hex words first.
  const text = address.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_m, a, b, c, d) =>
      `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [head = '', rest] = text.split('::');
  const words = (part: string) => (part ? part.split(':').map((h) => Number.parseInt(h, 16)) : []);
  const left = words(head);
  const right = rest !== undefined ? words(rest) : [];
  const all = [...left, ...Array<number>(Math.max(0, 8 - left.length - right.length)).fill(0), ...right];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(all[i] ?? 0, i * 2);
  return out;
}
