export { MessageParseError, type ParseOptions, parseMessage } from './parse-message.js';
export { checkRequest, checkResponse, type SanityFailure } from './sanity.js';
export { type FrameEvent, StreamFramer, type StreamFramerOptions } from './stream-framer.js';
