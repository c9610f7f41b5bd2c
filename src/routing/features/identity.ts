import { parseNameAddress, type SipRequest, type Uri } from '../../sip/message/index.js';

/** RFC 3323 §4.1.1.3: the From of a request whose caller withholds their identity. */
export const ANONYMOUS_FROM_URI = 'sip:anonymous@anonymous.invalid';

/** The priv-values of a request's Privacy header (RFC 3323 §4.2), lower-cased. */
export function privacyValues(request: SipRequest): string[] {
  const values: string[] = [];
  for (const header of request.getAll('privacy')) {
    for (const value of header.split(/[;,]/)) {
      const v = value.trim().toLowerCase();
      if (v !== '') values.push(v);
    }
  }
  return values;
}

/**
 * Whether the caller withholds their identity from the callee (RFC 5079 §1): Privacy id, user or
 * header (RFC 3323, RFC 3325 §9.3), or an anonymous From.
 */
export function isAnonymous(request: SipRequest): boolean {
  const privacy = privacyValues(request);
  if (privacy.includes('id') || privacy.includes('user') || privacy.includes('header')) return true;
  const from = request.from.uri;
  if (from.kind !== 'sip') return false;
  return from.user?.toLowerCase() === 'anonymous' || from.hostname === 'anonymous.invalid';
}

/** The caller's identity as the callee's side matches it: the asserted one, else the From. */
export function callerUri(request: SipRequest): Uri {
  const asserted = request.getAll('p-asserted-identity')[0];
  if (asserted !== undefined) {
    try {
      return parseNameAddress(asserted).uri;
    } catch {
      // An unparsable assertion asserts nothing.
    }
  }
  return request.from.uri;
}

/** The user part or number of a URI (sip user, tel number). */
export function userOf(uri: Uri): string | undefined {
  if (uri.kind === 'sip') return uri.user;
  if (uri.kind === 'tel') return uri.number;
  return undefined;
}

/**
 * RFC 3323 §5.3 (the node as privacy service): the From of this copy no longer names the caller.
 * Its tag stays, so the dialog is the same (RFC 3261 §12.2.1.1 matches on tags, not URIs).
 */
export function anonymiseFrom(copy: SipRequest): void {
  const from = copy.from.clone();
  const tag = from.tag;
  const anonymous = parseNameAddress(`"Anonymous" <${ANONYMOUS_FROM_URI}>`);
  if (tag !== undefined) anonymous.params.set('tag', tag);
  copy.set('from', anonymous.toString());
}
