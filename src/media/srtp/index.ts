/** SRTP and SRTCP (RFC 3711) for the SDES suites AES_CM_128_HMAC_SHA1_80/_32; platform-free. */
export { aesCm, aesCmKeystream, packetIv } from './aes-cm.js';
export { IndexEstimator } from './index-estimate.js';
export { deriveKey, LABEL, type SessionKeys, sessionKeys } from './key-derivation.js';
export { REPLAY_WINDOW, ReplayWindow } from './replay.js';
export { type CryptoAttribute, cryptoAttribute, newCrypto, parseCrypto, type SdesCrypto } from './sdes.js';
export { type SrtpCounters, SrtpSession } from './session.js';
export {
  isSrtpSuite,
  MASTER_KEY_LENGTH,
  MASTER_SALT_LENGTH,
  RTCP_TAG_LENGTH,
  rtpTagLength,
  SRTP_SUITES,
  type SrtpSuite,
} from './suites.js';
