/** STUN (RFC 5389) for media ports: messages, MESSAGE-INTEGRITY, FINGERPRINT, XOR-MAPPED-ADDRESS. */
export {
  type BuildOptions,
  buildStun,
  errorCode,
  HEADER_LENGTH,
  looksLikeStun,
  MAGIC_COOKIE,
  parseStun,
  readXorMappedAddress,
  StunAttribute,
  StunClass,
  type StunMessage,
  StunMethod,
  verifyFingerprint,
  verifyIntegrity,
  xorMappedAddress,
} from './message.js';
