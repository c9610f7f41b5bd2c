import { createCipheriv } from 'node:crypto';

/**
 * AES in Counter Mode as RFC 3711 §4.1.1 defines it: a 128-bit IV whose low 16 bits count blocks.
 * node:crypto's aes-128-ctr increments the whole IV as one 128-bit big-endian counter, which is the
 * same keystream while a packet stays under 2^16 blocks (1 MiB), far above any datagram.
 */
export function aesCm(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv('aes-128-ctr', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** `length` bytes of AES-CM keystream from `iv`. */
export function aesCmKeystream(key: Buffer, iv: Buffer, length: number): Buffer {
  return aesCm(key, iv, Buffer.alloc(length));
}

/**
 * RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), with k_s the 112-bit session
 * salt and i the 48-bit packet index (for SRTCP the 31-bit SRTCP index). Written into `iv` when
 * given (the packet path reuses one).
 */
export function packetIv(salt: Buffer, ssrc: number, index: number, iv: Buffer = Buffer.alloc(16)): Buffer {
  salt.copy(iv, 0, 0, 14);
  iv[14] = 0;
  iv[15] = 0;
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  const high = Math.floor(index / 2 ** 32);
  iv.writeUInt16BE(iv.readUInt16BE(8) ^ (high & 0xffff), 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ (index >>> 0)) >>> 0, 10);
  return iv;
}
