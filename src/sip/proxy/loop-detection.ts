import type { SipRequest } from '../message/message.js';
import { MAGIC_COOKIE, type Via } from '../message/via.js';

/** Length of the loop key in our branches: `z9hG4bK` + 8 hex digits + `.` + a per-branch part. */
const KEY_LENGTH = 8;
const KEY_END = MAGIC_COOKIE.length + KEY_LENGTH;
const DOT = 0x2e;

/**
 * RFC 3261 §16.6 item 8: a hash of what identifies a request as this proxy received it — the
 * Request-URI before translation, From and To tags, Call-ID, CSeq number and the Via it arrived
 * with (the topmost, `receivedTop`). It goes into the branch of every copy we forward, so that
 * §16.3 item 4 can tell a looped request (same key) from a spiral (retargeted: another key).
 * Proxy-Require and Proxy-Authorization are left out: a CANCEL carries neither and must keep its
 * INVITE's branch when forwarded statelessly, and we consume our own realm's credentials.
 * FNV-1a, 32 bits: it runs for every forwarded request, and a collision needs a Via of ours too.
 */
export function loopKey(request: SipRequest, receivedTop: Via | undefined): string {
  let h = 0x811c9dc5;
  h = mix(h, request.uriText);
  h = mix(h, request.from.tag ?? '');
  h = mix(h, request.to.tag ?? '');
  h = mix(h, request.callId);
  h = mixNumber(h, request.cseq.seq);
  if (receivedTop) {
    h = mix(h, receivedTop.branch ?? '');
    h = mix(h, receivedTop.host);
    h = mixNumber(h, receivedTop.port ?? 0);
  }
  return (h >>> 0).toString(16).padStart(KEY_LENGTH, '0');
}

/**
 * The per-request part of a stateless branch (RFC 3261 §16.11): 64 bits, 16 hex digits, the same
 * for a retransmission and for the CANCEL of an INVITE (no method in it), from the Via branch the
 * request came with (the UAC's, unique per transaction, §8.1.1.7), Request-URI, Call-ID, CSeq
 * number, From and To. §16.11 lets the proxy use any technique that keeps branches unique: two
 * 32-bit lanes (FNV-1a, and a multiply-xorshift lane) put accidental collisions at about 2^-64
 * per pair, and only a sender's own requests can be made to collide (it would have to know
 * another's branch and Call-ID). SHA-1 did the same for ~4 µs a call, most of it making the Hash.
 */
export function statelessKey(request: SipRequest, receivedTop: Via | undefined): string {
  const fields = [
    receivedTop?.branch ?? '',
    request.uriText,
    request.callId,
    String(request.cseq.seq),
    request.get('from') ?? '',
    request.get('to') ?? '',
  ];
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (const field of fields) {
    a = mix(a, field);
    b = mixXorshift(b, field);
  }
  return hex32(avalanche(a)) + hex32(avalanche(b));
}

/** The branch of a copy we forward: the request's loop key, then a part unique to the branch. */
export function loopBranch(key: string, unique: string): string {
  return `${MAGIC_COOKIE}${key}.${unique}`;
}

/**
 * RFC 3261 §16.3 item 4: whether `request` has looped — it carries a Via of ours (`isOwn`) whose
 * branch holds the loop key of this very request as we received it then (the Via below ours). A
 * Via of ours with another key is a spiral: the request came back retargeted, which is legitimate.
 */
export function hasLooped(request: SipRequest, isOwn: (via: Via) => boolean): boolean {
  const vias = request.via;
  // The bottom Via is the originating UA's: a request we sent as a UA is no loop.
  for (let i = 0; i + 1 < vias.length; i++) {
    const via = vias[i]!;
    const branch = via.branch;
    if (branch === undefined || branch.length <= KEY_END || branch.charCodeAt(KEY_END) !== DOT) continue;
    if (!branch.startsWith(MAGIC_COOKIE) || !isOwn(via)) continue;
    if (branch.slice(MAGIC_COOKIE.length, KEY_END) === loopKey(request, vias[i + 1])) return true;
  }
  return false;
}

function mixNumber(h: number, n: number): number {
  // CSeq numbers reach 2^31 - 1: two 16-bit halves.
  h = Math.imul(h ^ (n & 0xffff), 0x01000193);
  return Math.imul(h ^ Math.floor(n / 0x10000), 0x01000193);
}

function mix(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  // A separator, so that ("ab", "c") and ("a", "bc") differ.
  return Math.imul(h ^ 0xff, 0x01000193);
}

/** The second lane of statelessKey: multiply-xorshift over `s`, then a separator as in mix(). */
function mixXorshift(h: number, s: string): number {
  for (let i = 0; i <= s.length; i++) {
    h = Math.imul(h ^ (i < s.length ? s.charCodeAt(i) : 0xff), 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h;
}

/** MurmurHash3's finalizer: every input bit reaches every output bit. */
function avalanche(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hex32(h: number): string {
  return h.toString(16).padStart(8, '0');
}
