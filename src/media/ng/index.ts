export { type NgAddress, parseNgAddress } from './address.js';
export {
  type BencodeDict,
  BencodeError,
  type BencodeInput,
  type BencodeValue,
  type DecodeOptions,
  decodeBencode,
  encodeBencode,
} from './bencode.js';
export { NgClient, type NgClientOptions, type NgClientStats } from './client.js';
export type {
  AnswerParams,
  DeleteParams,
  MediaLabel,
  OfferParams,
  OfferReply,
  QueryParams,
  SubscribeAnswerParams,
  SubscribedMedia,
  SubscribeRequestParams,
  SubscribeRequestReply,
  TagMedias,
  UnsubscribeParams,
} from './commands.js';
export { NgClosedError, NgError, NgProtocolError, NgTimeoutError } from './errors.js';
export { bencodeToText, isTextDict, type NgText, type NgTextDict, textOf } from './text.js';
