import type { BencodeValue } from './bencode.js';

/** A decoded ng message with every byte string turned into text (utf8). */
export type NgText = string | number | NgText[] | NgTextDict;
export interface NgTextDict {
  [key: string]: NgText;
}

/**
 * Byte strings → utf8 strings, recursively. Everything rtpengine returns (SDP, tags, labels,
 * reasons, addresses) is text; a caller needing the bytes uses `NgClient.requestRaw`.
 */
export function bencodeToText(value: BencodeValue): NgText {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map(bencodeToText);
  const out = Object.create(null) as NgTextDict;
  for (const key of Object.keys(value)) out[key] = bencodeToText(value[key] as BencodeValue);
  return out;
}

export function isTextDict(value: NgText | undefined): value is NgTextDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function textOf(value: NgText | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
