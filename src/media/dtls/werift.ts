/**
 * The one place werift-dtls is imported. Its package.json `main` points at a file the package
 * does not ship, so the DTLS build is imported by path.
 */

export type { Transport as DtlsTransport } from 'werift-dtls/lib/common/src/transport.js';
export {
  DtlsClient,
  DtlsServer,
  HashAlgorithm,
  SignatureAlgorithm,
} from 'werift-dtls/lib/dtls/src/index.js';
