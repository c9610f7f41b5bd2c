import { MultipartError } from './errors.js';
import { parseMediaType } from './media-type.js';
import { METADATA_CONTENT_TYPE } from './metadata-parse.js';
import { type MultipartPart, parseMultipart } from './multipart.js';

export interface SiprecBody {
  /** The application/sdp part, as text. */
  sdp?: string;
  /** The application/rs-metadata+xml part, as bytes (parse with parseRecordingMetadata). */
  metadata?: Buffer;
}

/**
 * Picks the SDP offer and the recording metadata out of a SIPREC request body (RFC 7866 §9:
 * multipart/mixed with an application/sdp part and an application/rs-metadata+xml part whose
 * Content-Disposition is `recording-session`); a lone SDP or lone metadata body is also accepted
 * (re-INVITE, UPDATE). Parts are found at any nesting level. Throws only MultipartError.
 */
export function splitSiprecBody(contentType: string | undefined, body: Buffer): SiprecBody {
  if (contentType === undefined || body.length === 0) return {};
  const type = parseMediaType(contentType).type;
  if (type === 'application/sdp') return { sdp: body.toString('utf8') };
  if (type === METADATA_CONTENT_TYPE) return { metadata: body };
  if (!type.startsWith('multipart/')) {
    throw new MultipartError(
      'not-multipart',
      `body of type ${type.slice(0, 60)} carries neither SDP nor metadata`,
    );
  }
  const out: SiprecBody = {};
  const visit = (parts: MultipartPart[]): void => {
    for (const p of parts) {
      if (p.parts) visit(p.parts);
      else if (p.mediaType === 'application/sdp' && out.sdp === undefined) out.sdp = p.body.toString('utf8');
      else if (p.mediaType === METADATA_CONTENT_TYPE && out.metadata === undefined) out.metadata = p.body;
    }
  };
  visit(parseMultipart(contentType, body));
  return out;
}
