import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { InvalidInputError } from './errors.js';

/**
 * Checks for a trunk's TLS fields: a certificate, key or CA is PEM text or an absolute path the
 * node reads when it loads its trunks (the CLI may run elsewhere, so a path is not opened here).
 */

const PEM = /^-----BEGIN [A-Z0-9 ]+-----/;
const MAX_PEM = 16_384;
// RFC 1035 host names (a wildcard label first allowed: `*.carrier.example`), as certificates name them.
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isPem(value: string): boolean {
  return PEM.test(value.trimStart());
}

/** A PEM certificate (chain) or CA bundle, or an absolute path to one. */
export function checkCertificate(value: string, what: string): string {
  const text = pemOrPath(value, what);
  if (!isPem(text)) return text;
  try {
    new X509Certificate(text);
  } catch (e) {
    throw new InvalidInputError(`invalid ${what}: not a PEM certificate (${(e as Error).message})`);
  }
  return text;
}

/** A PEM private key, or an absolute path to one. */
export function checkPrivateKey(value: string, what: string): string {
  const text = pemOrPath(value, what);
  if (!isPem(text)) return text;
  try {
    createPrivateKey(text);
  } catch (e) {
    throw new InvalidInputError(`invalid ${what}: not a PEM private key (${(e as Error).message})`);
  }
  return text;
}

/** When both are PEM text, the key must be the certificate's (else every handshake would fail). */
export function checkKeyMatches(certificate: string, key: string): void {
  if (!isPem(certificate) || !isPem(key)) return;
  if (!new X509Certificate(certificate).checkPrivateKey(createPrivateKey(key))) {
    throw new InvalidInputError(
      'invalid TLS key: it is not the private key of the TLS certificate; give the matching pair',
    );
  }
}

/** The name a trunk's client certificate carries (subjectAltName DNS, or CN): `gw.carrier.example`. */
export function checkTlsName(value: string): string {
  const text = value.trim().toLowerCase();
  if (text.length <= 253 && DNS_NAME.test(text)) return text;
  throw new InvalidInputError(
    `invalid inbound TLS name ${JSON.stringify(value)}: expected a host name as the carrier's certificate names it (sip.carrier.example)`,
  );
}

function pemOrPath(value: string, what: string): string {
  const text = value.trim();
  if (isPem(text)) {
    if (text.length > MAX_PEM)
      throw new InvalidInputError(`invalid ${what}: PEM text over ${MAX_PEM} characters`);
    return `${text}\n`;
  }
  if (text.length > 0 && text.length <= 4096 && isAbsolute(text) && !/[\u0000-\u001f]/.test(text))
    return text;
  throw new InvalidInputError(
    `invalid ${what} ${JSON.stringify(value.slice(0, 40))}: expected PEM text (-----BEGIN ...) or an absolute file path`,
  );
}
