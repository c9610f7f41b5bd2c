import { randomInt } from 'node:crypto';

const ORIGIN = /^o=(\S+) (\S+) (\S+) (\S+ \S+ \S+)\r?$/m;

/**
 * The node's own SDP origin toward one leg (RFC 4566 §5.2): the relay rewrites addresses but
 * passes the other side's `o=` username and session id on (rtpengine's `replace origin` changes
 * the address only), which names the other side's UA to this one. Toward each leg the B2BUA is
 * the SDP's originator: username `-`, a session id of its own, and the version RFC 3264 §8 asks
 * for — the same while the SDP is unchanged, one more with each change.
 */
export class SdpOrigin {
  private readonly sessionId = String(randomInt(1, 2 ** 47));
  private version = 0;
  private last: string | undefined;

  /** `sdp` with this origin's `o=` line (its address kept: the relay's). */
  stamp(sdp: string): string {
    const match = ORIGIN.exec(sdp);
    if (match === null) return sdp;
    const content = sdp.replace(ORIGIN, '');
    if (this.last === undefined) this.version = 1;
    else if (content !== this.last) this.version++;
    this.last = content;
    const eol = match[0].endsWith('\r') ? '\r' : '';
    return sdp.replace(ORIGIN, `o=- ${this.sessionId} ${this.version} ${match[4]}${eol}`);
  }
}
