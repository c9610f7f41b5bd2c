/**
 * SIPREC protocol pieces for the recording server (SRS): RFC 7866 (protocol), RFC 7865 (metadata),
 * RFC 2046 multipart bodies, and the SDP answer of a recorder.
 */
export { isSiprecInvite, type SiprecClassification, type SiprecInviteHeaders } from './classify.js';
export {
  MetadataError,
  type MetadataErrorCode,
  MultipartError,
  type MultipartErrorCode,
  SdpNegotiationError,
} from './errors.js';
export { type MediaType, parseMediaType } from './media-type.js';
export { mergeMetadata, participantForLabel } from './metadata-merge.js';
export type {
  AssociationTimes,
  DataMode,
  LocalizedName,
  MetadataGroup,
  MetadataParticipant,
  MetadataSession,
  MetadataStream,
  NameId,
  ParticipantSessionAssoc,
  ParticipantStreamAssoc,
  RecordingMetadata,
  SessionRecordingAssoc,
} from './metadata-model.js';
export { emptyMetadata } from './metadata-model.js';
export { METADATA_CONTENT_TYPE, type MetadataLimits, parseRecordingMetadata } from './metadata-parse.js';
export {
  buildMultipart,
  type MultipartInput,
  type MultipartLimits,
  type MultipartPart,
  PartHeaders,
  parseMultipart,
} from './multipart.js';
export { type AnsweredStream, buildSrsAnswer, type SrsAnswerOptions } from './sdp-answer.js';
export { type Direction, type OfferedCodec, type OfferedStream, offeredStreams } from './sdp-offer.js';
export { type SiprecBody, splitSiprecBody } from './siprec-body.js';
