import {
  buildStun,
  errorCode,
  parseStun,
  StunAttribute,
  StunClass,
  StunMethod,
  verifyFingerprint,
  verifyIntegrity,
  xorMappedAddress,
} from '../stun/index.js';

/** The credentials of one ICE session: ours from our SDP, theirs from the peer's (a=ice-ufrag). */
export interface IceCredentials {
  localUfrag: string;
  localPwd: string;
  /** The peer's ufrag; when known the USERNAME's second half must match it. */
  remoteUfrag?: string;
}

/** Why a datagram that looked like STUN got no success response. */
export type IceRefusal =
  /** Not a well-formed STUN message, or its FINGERPRINT is missing or wrong (dropped silently). */
  | 'malformed'
  /** Not a Binding request (indications and responses are ignored: a lite agent sends no checks). */
  | 'ignored'
  /** USERNAME or MESSAGE-INTEGRITY missing: 400 (RFC 5389 §10.1.2). */
  | 'bad-request'
  /** USERNAME not ours, or MESSAGE-INTEGRITY wrong: 401 (RFC 5389 §10.1.2). */
  | 'unauthorized';

export type IceVerdict =
  | { ok: true; response: Buffer; nominated: boolean }
  | { ok: false; reason: IceRefusal; response?: Buffer };

const SOFTWARE = Buffer.from('switchboard');

/**
 * The responder side of ICE-lite (RFC 8445 §2.5, §7.3): a lite agent sends no checks; it answers
 * the full agent's Binding requests that carry USERNAME `ourUfrag:theirUfrag`, a MESSAGE-INTEGRITY
 * keyed with our ice-pwd (short-term credentials, RFC 8445 §7.2.2) and a FINGERPRINT, with a
 * success response carrying XOR-MAPPED-ADDRESS, integrity and fingerprint. USE-CANDIDATE
 * (§7.3.1.5) tells the caller the full agent nominated the pair the request came on.
 */
export class IceLiteResponder {
  constructor(private credentials: IceCredentials) {}

  update(credentials: IceCredentials): void {
    this.credentials = credentials;
  }

  handle(data: Buffer, address: string, port: number): IceVerdict {
    const message = parseStun(data);
    // RFC 8445 §7.3: FINGERPRINT demultiplexes STUN from media; a wrong one is not STUN.
    if (message === undefined || !verifyFingerprint(message)) return { ok: false, reason: 'malformed' };
    if (message.method !== StunMethod.binding || message.cls !== StunClass.request)
      return { ok: false, reason: 'ignored' };
    const refuse = (code: 400 | 401, reason: 'bad-request' | 'unauthorized', text: string): IceVerdict => ({
      ok: false,
      reason,
      // §10.1.2: these error responses carry no MESSAGE-INTEGRITY (the request could not be trusted).
      response: buildStun({
        method: StunMethod.binding,
        cls: StunClass.error,
        transactionId: message.transactionId,
        attributes: [[StunAttribute.errorCode, errorCode(code, text)]],
        fingerprint: true,
      }),
    });
    const username = message.attributes.get(StunAttribute.username)?.toString('utf8');
    if (username === undefined || message.integrityAt === undefined)
      return refuse(400, 'bad-request', 'Bad Request');
    const colon = username.indexOf(':');
    const ours = colon < 0 ? username : username.slice(0, colon);
    const theirs = colon < 0 ? undefined : username.slice(colon + 1);
    const { localUfrag, localPwd, remoteUfrag } = this.credentials;
    if (ours !== localUfrag || (remoteUfrag !== undefined && theirs !== remoteUfrag))
      return refuse(401, 'unauthorized', 'Unauthorized');
    if (!verifyIntegrity(message, localPwd)) return refuse(401, 'unauthorized', 'Unauthorized');
    const response = buildStun({
      method: StunMethod.binding,
      cls: StunClass.success,
      transactionId: message.transactionId,
      attributes: [
        [StunAttribute.xorMappedAddress, xorMappedAddress(message.transactionId, address, port)],
        [StunAttribute.software, SOFTWARE],
      ],
      integrity: localPwd,
      fingerprint: true,
    });
    return { ok: true, response, nominated: message.attributes.has(StunAttribute.useCandidate) };
  }
}
