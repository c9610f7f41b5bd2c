export { type CSeq, MAX_CSEQ, parseCSeq } from './cseq.js';
export { detach } from './detach.js';
export { SipParseError } from './errors.js';
export type { HeaderField } from './header-field.js';
export { canonicalHeaderName, headerKey, isListHeader } from './header-names.js';
export { SipMessage, SipRequest, SipResponse } from './message.js';
export { NameAddress, parseNameAddress } from './name-address.js';
export { Parameters, parseParameters } from './params.js';
export { randomToken } from './random-token.js';
export { reasonPhrase } from './reason-phrases.js';
export { createResponse } from './response-factory.js';
export { quote, splitList, unquote } from './scan.js';
export {
  AbsoluteUri,
  parseSipUriStrict,
  parseUri,
  SipUri,
  TelUri,
  type Uri,
  unescapeUriPart,
  uriEquals,
} from './uri.js';
export { MAGIC_COOKIE, parseVia, Via } from './via.js';
