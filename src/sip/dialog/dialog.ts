import { randomInt } from 'node:crypto';
import {
  MAX_CSEQ,
  type NameAddress,
  type SipMessage,
  SipRequest,
  type SipResponse,
  type Uri,
} from '../message/index.js';
import type { Target } from '../transport/types.js';
import { type DialogFlow, onlyOverFlow } from './dialog-flow.js';
import { type DialogId, dialogKey } from './dialog-id.js';
import { applyRouteSet, routeSetNextHop } from './route-set.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

/** Methods that refresh the remote target (RFC 3261 §12.2, RFC 3311, RFC 6665, RFC 3515). */
const targetRefreshMethods = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

/** Why an in-dialog request was refused by `Dialog.checkRequest`. */
export interface DialogRejection {
  status: number;
  reason: string;
}

export interface DialogInit {
  id: DialogId;
  state: DialogState;
  /** Our address (From of requests we send), tag removed. */
  localAddress: NameAddress;
  /** The peer's address (To of requests we send), tag removed. */
  remoteAddress: NameAddress;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  remoteTarget: Uri;
  /** Our Contact, put in target-refresh requests we send. */
  localTarget: Uri | undefined;
  routeSet: NameAddress[];
  secure: boolean;
  /** CSeq number of the INVITE this dialog came from (ACK and CANCEL reuse it). */
  inviteSeq?: number;
  /** The connection the peer is at the other end of (dialog-flow.ts). */
  flow?: Target;
}

function withoutTag(address: NameAddress): NameAddress {
  const copy = address.clone();
  copy.params.delete('tag');
  return copy;
}

/** The first Contact URI of a message, when it has one (remote target, §12.1.1, §12.1.2). */
function contactUri(message: SipMessage): Uri | undefined {
  const contacts = message.contacts;
  if (contacts === '*') return undefined;
  return contacts[0]?.uri;
}

/**
 * The state of one dialog (RFC 3261 §12): the peer-to-peer relationship a UA keeps to build
 * requests within it and to check the requests it receives.
 */
export class Dialog {
  readonly id: DialogId;
  readonly key: string;
  state: DialogState;
  localAddress: NameAddress;
  remoteAddress: NameAddress;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  remoteTarget: Uri;
  localTarget: Uri | undefined;
  routeSet: NameAddress[];
  secure: boolean;
  /** CSeq number of the latest INVITE we sent in this dialog (ACK and CANCEL carry it, §13.2.2.4). */
  inviteSeq: number | undefined;
  /**
   * The connection the dialog was set up over when the peer is at its other end (RFC 5626 §5.3,
   * RFC 7118 §5): requests in the dialog go over it while it is open (dialog-flow.ts).
   */
  flow: Target | undefined;

  constructor(init: DialogInit) {
    this.id = init.id;
    this.key = dialogKey(init.id);
    this.state = init.state;
    this.localAddress = init.localAddress;
    this.remoteAddress = init.remoteAddress;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.localTarget = init.localTarget;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
    this.inviteSeq = init.inviteSeq;
    this.flow = init.flow;
  }

  /**
   * The dialog a UAS creates when it sends `response` (1xx with To tag or 2xx) to `request`
   * (§12.1.1): route set = Record-Route of the request in order, remote target = its Contact,
   * remote sequence = its CSeq, local sequence empty.
   */
  static asUas(
    request: SipRequest,
    response: SipResponse,
    options: { secure?: boolean; flow?: Target } = {},
  ): Dialog {
    const localTag = response.to.tag;
    if (localTag === undefined) throw new Error('a dialog-creating response needs a To tag');
    return new Dialog({
      id: { callId: request.callId, localTag, remoteTag: request.from.tag ?? '' },
      state: response.status >= 200 ? 'confirmed' : 'early',
      localAddress: withoutTag(request.to),
      remoteAddress: withoutTag(request.from),
      localSeq: undefined,
      remoteSeq: request.cseq.seq,
      remoteTarget: contactUri(request) ?? request.from.uri,
      localTarget: contactUri(response),
      routeSet: request.recordRoutes.map((r) => r.clone()),
      secure: options.secure ?? false,
      ...(options.flow ? { flow: options.flow } : {}),
    });
  }

  /**
   * The dialog a UAC creates from a response with a To tag to its `request` (§12.1.2): route set
   * = Record-Route of the response in reverse order, remote target = its Contact, local sequence =
   * the request's CSeq, remote sequence empty.
   */
  static asUac(
    request: SipRequest,
    response: SipResponse,
    options: { secure?: boolean; flow?: Target } = {},
  ): Dialog {
    const remoteTag = response.to.tag;
    if (remoteTag === undefined) throw new Error('a dialog-creating response needs a To tag');
    const seq = request.cseq.seq;
    return new Dialog({
      id: { callId: request.callId, localTag: request.from.tag ?? '', remoteTag },
      state: response.status >= 200 ? 'confirmed' : 'early',
      localAddress: withoutTag(request.from),
      remoteAddress: withoutTag(request.to),
      localSeq: seq,
      remoteSeq: undefined,
      // A 1xx may lack a Contact: until one arrives, the Request-URI is the best target we have.
      remoteTarget: contactUri(response) ?? request.uri,
      localTarget: contactUri(request),
      routeSet: response.recordRoutes.map((r) => r.clone()).reverse(),
      secure: options.secure ?? (request.uri.kind === 'sip' && request.uri.scheme === 'sips'),
      inviteSeq: request.method === 'INVITE' ? seq : undefined,
      ...(options.flow ? { flow: options.flow } : {}),
    });
  }

  get localTag(): string {
    return this.id.localTag;
  }

  get remoteTag(): string {
    return this.id.remoteTag;
  }

  get callId(): string {
    return this.id.callId;
  }

  get localUri(): Uri {
    return this.localAddress.uri;
  }

  get remoteUri(): Uri {
    return this.remoteAddress.uri;
  }

  /**
   * An early dialog becomes confirmed on a 2xx (§12.1). As UAC, pass the 2xx: the route set and
   * remote target are recomputed from it (§13.2.2.4, §12.2.1.2).
   */
  confirm(uacResponse?: SipResponse): void {
    if (this.state === 'terminated') return;
    this.state = 'confirmed';
    if (uacResponse) {
      this.routeSet = uacResponse.recordRoutes.map((r) => r.clone()).reverse();
      this.refreshRemoteTarget(uacResponse);
    }
  }

  terminate(): void {
    this.state = 'terminated';
  }

  /**
   * Replace the remote target with the Contact of a target-refresh request we received (§12.2.2)
   * or of a 2xx to one we sent (§12.2.1.2). No Contact: the target stays.
   */
  refreshRemoteTarget(message: SipMessage): void {
    const uri = contactUri(message);
    if (uri) this.remoteTarget = uri;
  }

  /** Whether a method refreshes the remote target. */
  static isTargetRefresh(method: string): boolean {
    return targetRefreshMethods.has(method);
  }

  /**
   * Check an incoming in-dialog request against the remote sequence number and record it
   * (§12.2.2): a lower CSeq is out of order → 500. ACK and CANCEL reuse the INVITE's number and
   * are not checked. Returns the rejection, or undefined when the request may proceed.
   */
  checkRequest(request: SipRequest): DialogRejection | undefined {
    if (request.method === 'ACK' || request.method === 'CANCEL') return undefined;
    const seq = request.cseq.seq;
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) {
      return { status: 500, reason: 'Server Internal Error - CSeq Out Of Order' };
    }
    this.remoteSeq = seq;
    return undefined;
  }

  /** The next local CSeq number (§12.2.1.1): one more than the last, or a fresh one when empty. */
  nextLocalSeq(): number {
    // §8.1.1.5: an initial value below 2**31; keep well below so increments never overflow.
    this.localSeq = this.localSeq === undefined ? randomInt(1, 2 ** 16) : (this.localSeq % MAX_CSEQ) + 1;
    return this.localSeq;
  }

  /**
   * Build a request within the dialog (§12.2.1.1): To/From with tags, Call-ID, CSeq (incremented;
   * ACK and CANCEL reuse the INVITE's number unless `cseq` is given), Request-URI and Route from
   * the remote target and route set, Contact for target-refresh methods, Max-Forwards 70.
   * The Via is the sender's to add once the transport is known (§8.1.1.7).
   */
  createRequest(method: string, options: { cseq?: number } = {}): SipRequest {
    let seq = options.cseq;
    if (seq === undefined) {
      if (method === 'ACK' || method === 'CANCEL') seq = this.inviteSeq ?? this.localSeq ?? 1;
      else seq = this.nextLocalSeq();
    }
    if (method === 'INVITE') this.inviteSeq = seq;
    const request = new SipRequest(method, this.remoteTarget.toString());
    applyRouteSet(request, this.remoteTarget, this.routeSet);
    request.append('max-forwards', '70');
    request.append('to', this.tagged(this.remoteAddress, this.remoteTag));
    request.append('from', this.tagged(this.localAddress, this.localTag));
    request.append('call-id', this.callId);
    request.append('cseq', `${seq} ${method}`);
    if (this.localTarget && Dialog.isTargetRefresh(method)) {
      request.append('contact', `<${this.localTarget.toString()}>`);
    }
    return request;
  }

  /**
   * The flow requests in this dialog go over instead of resolving `nextHop()`: the dialog's flow
   * when the remote target is the next hop (an empty route set: the peer is at the flow's other
   * end); with a route set the first route is resolved as usual.
   */
  flowHop(): DialogFlow | undefined {
    const flow = this.flow;
    if (!flow || this.routeSet.length > 0) return undefined;
    return { target: flow, exclusive: onlyOverFlow(flow, this.remoteTarget) };
  }

  /** The URI to resolve for requests in this dialog (§8.1.2): first route, else remote target. */
  nextHop(): Uri {
    return routeSetNextHop(this.remoteTarget, this.routeSet);
  }

  private tagged(address: NameAddress, tag: string): string {
    const copy = address.clone();
    if (tag !== '') copy.params.set('tag', tag);
    return copy.toString();
  }
}
