import type { DigestAlgorithm } from './types.js';

/**
 * The algorithm named by a directive value, or undefined when we do not implement it
 * (MD5-sess, SHA-256-sess, SHA-512-256). Absent means MD5 (RFC 7616 §3.3); tokens compare
 * case-insensitively, as peers spell them either way.
 */
export function parseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  if (value === undefined) return 'MD5';
  const upper = value.toUpperCase();
  if (upper === 'MD5') return 'MD5';
  if (upper === 'SHA-256') return 'SHA-256';
  return undefined;
}
