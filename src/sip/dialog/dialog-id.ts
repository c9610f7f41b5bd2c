import type { SipRequest, SipResponse } from '../message/index.js';

/** A dialog's identity (RFC 3261 §12): Call-ID, local tag and remote tag, from this UA's side. */
export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** A string key for maps; NUL cannot appear in a Call-ID or a tag. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

/**
 * The id of the dialog an incoming request belongs to (§12.2.2): our tag is in To, the peer's in
 * From. Undefined when the request carries no To tag (it is outside any dialog).
 */
export function incomingRequestDialogId(request: SipRequest): DialogId | undefined {
  const localTag = request.to.tag;
  if (localTag === undefined) return undefined;
  return { callId: request.callId, localTag, remoteTag: request.from.tag ?? '' };
}

/**
 * The id of the dialog a response to our request belongs to (§12.1.2): our tag is in From, the
 * peer's in To. Undefined when the response has no To tag (a 100, or a non-dialog response).
 */
export function responseDialogId(response: SipResponse): DialogId | undefined {
  const remoteTag = response.to.tag;
  if (remoteTag === undefined) return undefined;
  return { callId: response.callId, localTag: response.from.tag ?? '', remoteTag };
}
