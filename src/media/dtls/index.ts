/** DTLS-SRTP (RFC 5763/5764), the passive side, over werift-dtls; the node's certificate. */
export { certificateFingerprint, createDtlsCertificate, type DtlsCertificate } from './certificate.js';
export { DtlsSrtpServer, type DtlsSrtpServerOptions } from './server.js';
export {
  DTLS_SRTP_EXPORTER_LABEL,
  DTLS_SRTP_MATERIAL_LENGTH,
  dtlsSrtpKeys,
  type SrtpKeyPair,
} from './srtp-keys.js';
export { DtlsClient } from './werift.js';
