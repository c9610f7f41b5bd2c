import { MultipartError } from './errors.js';
import { parseMediaType } from './media-type.js';
import { METADATA_CONTENT_TYPE } from './metadata-parse.js';
import { parseMultipart } from './multipart.js';

/** What of an INVITE decides whether it opens a Recording Session. */
export interface SiprecInviteHeaders {
  /** Require header value(s), as in the message (comma lists allowed). */
  require?: string | string[];
  /** Contact header value(s). */
  contact?: string | string[];
  contentType?: string;
  body?: Buffer;
}

export type SiprecClassification =
  | { kind: 'siprec'; reason: string; strict: boolean }
  | { kind: 'not-siprec'; reason: string; status: number; reasonPhrase: string };

/**
 * RFC 7866 §6.1.1: an SRC puts the `+sip.src` feature tag in its Contact and `Require: siprec`,
 * and the SRS treats the session as a Recording Session when both are there (`strict`). SRCs in
 * the field omit one or the other (no Require; or neither, with only the multipart carrying
 * rs-metadata+xml), so any one of the three signs is accepted, the reason saying which.
 *
 * An SRS is not a UA for ordinary calls: an INVITE with none of them is refused with
 * 403 Forbidden — RFC 3261 §21.4.4, the server understood the request and will not fulfil it;
 * 488 would wrongly suggest that another offer could succeed (RFC 3261 §21.4.26).
 */
export function isSiprecInvite(headers: SiprecInviteHeaders): SiprecClassification {
  const requireTags = list(headers.require).map((t) => t.toLowerCase());
  const hasRequire = requireTags.includes('siprec');
  const hasSrc = list(headers.contact).some(hasSrcFeatureTag);
  if (hasRequire && hasSrc)
    return { kind: 'siprec', reason: 'Require: siprec and Contact +sip.src', strict: true };
  if (hasSrc) return { kind: 'siprec', reason: 'Contact +sip.src without Require: siprec', strict: false };
  if (hasRequire)
    return { kind: 'siprec', reason: 'Require: siprec without Contact +sip.src', strict: false };
  if (carriesMetadata(headers.contentType, headers.body)) {
    return { kind: 'siprec', reason: `only a ${METADATA_CONTENT_TYPE} body part`, strict: false };
  }
  return {
    kind: 'not-siprec',
    reason: 'no Require: siprec, no +sip.src Contact, no recording metadata',
    status: 403,
    reasonPhrase: 'Forbidden',
  };
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  return values
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/**
 * `+sip.src` as a Contact header parameter (RFC 3840 §9 feature tags sit in the contact-params,
 * after the name-addr's `>`); a `;+sip.src` inside the URI counts too, as some SRCs put it there.
 */
function hasSrcFeatureTag(contact: string): boolean {
  const lower = contact.toLowerCase();
  let i = lower.indexOf('+sip.src');
  while (i >= 0) {
    const before = lower[i - 1];
    const after = lower[i + 8];
    if (before === ';' || before === ' ' || before === '\t') {
      if (
        after === undefined ||
        after === ';' ||
        after === '=' ||
        after === '>' ||
        after === ' ' ||
        after === ','
      ) {
        return true;
      }
    }
    i = lower.indexOf('+sip.src', i + 1);
  }
  return false;
}

function carriesMetadata(contentType: string | undefined, body: Buffer | undefined): boolean {
  if (contentType === undefined) return false;
  const type = parseMediaType(contentType).type;
  if (type === METADATA_CONTENT_TYPE) return true;
  if (!type.startsWith('multipart/') || body === undefined) return false;
  try {
    return parseMultipart(contentType, body).some((p) => p.mediaType === METADATA_CONTENT_TYPE);
  } catch (err) {
    if (err instanceof MultipartError) return false;
    throw err;
  }
}
