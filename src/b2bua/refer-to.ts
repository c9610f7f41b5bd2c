import { parseNameAddress, type SipRequest, SipUri } from '../sip/message/index.js';

/** RFC 3891 §6.1: the dialog a Replaces header names, as its recipient sees it. */
export interface Replaces {
  callId: string;
  /** The recipient's own tag (its local tag) and the other party's tag. */
  toTag: string;
  fromTag: string;
  /** §6.1 early-only: replace only a dialog that is not answered yet. */
  earlyOnly: boolean;
}

/** Where a REFER sends its recipient (RFC 3515 §2.1): the target, and for an attended transfer Replaces. */
export interface ReferTarget {
  /** The Refer-To URI without its headers. */
  uri: SipUri;
  replaces?: Replaces;
}

/** Why a REFER or INVITE cannot be taken: the status and reason phrase to answer it with. */
export interface ReferRefusal {
  status: number;
  reason: string;
}

/** RFC 3891 §6.1: `Replaces: callid;to-tag=A;from-tag=B[;early-only]`; undefined when malformed. */
export function parseReplaces(value: string): Replaces | undefined {
  const parts = value.split(';').map((part) => part.trim());
  const callId = parts.shift();
  if (!callId) return undefined;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const param = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (name === 'to-tag') toTag = param;
    else if (name === 'from-tag') fromTag = param;
    else if (name === 'early-only') earlyOnly = true;
  }
  if (!toTag || !fromTag) return undefined;
  return { callId, toTag, fromTag, earlyOnly };
}

/**
 * The Refer-To of a REFER (RFC 3515 §2.4.1: exactly one, else 400): a SIP or SIPS URI whose
 * headers may carry Replaces (RFC 3891 §7, escaped as URI headers are).
 */
export function parseReferTo(refer: SipRequest): ReferTarget | ReferRefusal {
  const values = refer.getAll('refer-to');
  if (values.length !== 1) return { status: 400, reason: 'Bad Request (one Refer-To expected)' };
  let uri: SipUri;
  try {
    const parsed = parseNameAddress(values[0]!).uri;
    if (!(parsed instanceof SipUri)) return { status: 403, reason: 'Forbidden (Refer-To must be a SIP URI)' };
    uri = parsed;
  } catch {
    return { status: 400, reason: 'Bad Request (malformed Refer-To)' };
  }
  const headers = uri.headers;
  const target = uri.clone();
  target.headers = undefined;
  if (headers === undefined) return { uri: target };
  for (const header of headers.split('&')) {
    const eq = header.indexOf('=');
    if (eq < 0 || header.slice(0, eq).toLowerCase() !== 'replaces') continue;
    let value: string;
    try {
      value = decodeURIComponent(header.slice(eq + 1));
    } catch {
      return { status: 400, reason: 'Bad Request (malformed Replaces in Refer-To)' };
    }
    const replaces = parseReplaces(value);
    if (!replaces) return { status: 400, reason: 'Bad Request (malformed Replaces in Refer-To)' };
    return { uri: target, replaces };
  }
  return { uri: target };
}
