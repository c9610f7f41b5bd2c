export { createDecoder, isTelephoneEvent, supportedEncodings } from './create.js';
export type { AudioDecoder } from './decoder.js';
export { G722Decoder } from './g722.js';
export type { PayloadFormat } from './payload-format.js';
export { dtmfDigit, parseTelephoneEvent, type TelephoneEvent } from './telephone-event.js';
