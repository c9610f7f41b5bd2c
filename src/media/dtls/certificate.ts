import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

/** The relay's DTLS identity: one certificate per node, its SHA-256 fingerprint in every SDP. */
export interface DtlsCertificate {
  certPem: string;
  keyPem: string;
  /** RFC 8122 §5: `sha-256 AB:CD:...` as a=fingerprint carries it. */
  fingerprint: string;
}

/** RFC 8122 §5: upper-case hex bytes joined by colons. */
export function certificateFingerprint(der: Buffer): string {
  const hex = new X509Certificate(der).fingerprint256;
  return `sha-256 ${hex.toUpperCase()}`;
}

/**
 * A fresh self-signed ECDSA P-256 certificate (RFC 8827 §6.5: WebRTC endpoints use self-signed
 * certificates, identified by fingerprint; P-256 is what browsers generate and fastest to sign).
 */
export async function createDtlsCertificate(commonName = 'switchboard-media'): Promise<DtlsCertificate> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  });
  const der = new X509Certificate(pems.cert).raw;
  return { certPem: pems.cert, keyPem: pems.private, fingerprint: certificateFingerprint(der) };
}
