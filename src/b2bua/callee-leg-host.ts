import type { OutboundRelay, RoutingContext } from '../routing/index.js';
import type { Dialog } from '../sip/dialog/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../sip/message/index.js';
import type { ForwardTarget } from '../sip/proxy/index.js';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/index.js';
import type { Target } from '../sip/transport/index.js';
import type {
  DialogUsage,
  ResponseCallbacks,
  SendOptions,
  SessionHost,
  UserAgentCore,
} from '../sip/ua/index.js';
import { RelayedInvite, type RelayedInviteOptions } from './relayed-invite.js';

/** A CANCEL's own transaction towards the relay: it answers 200 at once; nothing waits for it. */
function cancelSink(cancel: SipRequest, source: RelayedInvite['source']): ServerTransaction {
  return {
    id: `b2bua-cancel:${cancel.callId}`,
    request: cancel,
    isInvite: false,
    source,
    state: 'completed',
    lastResponse: undefined,
    respond: () => true,
    onTerminated: () => {},
  };
}

/**
 * The session host of a callee leg: the UA core for everything (dialogs, ACK, in-dialog requests
 * to the dialog's next hop), except the leg's INVITE and its CANCEL, which go through the relay to
 * the targets the routing stages chose — so the callee leg forks, fails over and forwards on
 * failure exactly as a proxied call would.
 */
export class CalleeLegHost implements SessionHost {
  /** The INVITE in the relay, once sent. */
  relayed: RelayedInvite | undefined;
  /**
   * The connection each response from a branch to a registered client's came over (failure
   * stages' targets too), so the leg's dialog keeps the flow its answer came over (RFC 5626 §5.3,
   * RFC 7118 §5: a browser is reached through its own socket).
   */
  private readonly flows = new WeakMap<SipResponse, Target>();

  constructor(
    private readonly core: UserAgentCore,
    private readonly relay: OutboundRelay,
    private readonly targets: ForwardTarget[],
    private readonly context: RoutingContext,
    private readonly options: Omit<RelayedInviteOptions, 'timers' | 't1' | 'flowOf'>,
  ) {
    context.watchResponse = (response, target) => {
      const hop = target.nextHop;
      if (hop && !('kind' in hop) && hop.connectionId !== undefined) this.flows.set(response, hop);
    };
  }

  get transport() {
    return this.core.transport;
  }
  get timers() {
    return this.core.timers;
  }
  get t1() {
    return this.core.t1;
  }
  get t2() {
    return this.core.t2;
  }
  get onError() {
    return this.core.onError;
  }
  allow(): string[] {
    return this.core.allow();
  }

  sendRequest(
    request: SipRequest,
    callbacks: ResponseCallbacks = {},
    options: SendOptions = {},
  ): Promise<ClientTransaction | undefined> {
    // The leg's INVITE, or its retry after a 422 (RFC 4028 §7.4) once the first one is over.
    const state = this.relayed?.state;
    const relayedOver = state === undefined || state === 'completed' || state === 'terminated';
    if (request.method === 'INVITE' && relayedOver && request.to.tag === undefined) {
      return Promise.resolve(this.sendInvite(request, callbacks));
    }
    if (request.method === 'CANCEL' && this.relayed) {
      // §16.10: the relay cancels every branch; its 487 comes back as the INVITE's final answer.
      this.relay.cancel(request, cancelSink(request, this.options.source), this.relayed);
      callbacks.onFinal?.(createResponse(request, 200));
      return Promise.resolve(undefined);
    }
    return this.core.sendRequest(request, callbacks, options);
  }

  sendInDialogStateless(request: SipRequest, dialog: Dialog): Promise<void> {
    return this.core.sendInDialogStateless(request, dialog);
  }

  bindDialog(dialog: Dialog, usage: DialogUsage): void {
    this.core.bindDialog(dialog, usage);
  }

  unbindDialog(dialog: Dialog): void {
    this.core.unbindDialog(dialog);
  }

  /** Forget the relay's response context (the call is over). */
  close(): void {
    this.relayed?.terminate('normal');
  }

  private sendInvite(request: SipRequest, callbacks: ResponseCallbacks): ClientTransaction {
    const relayed = new RelayedInvite(request, callbacks, {
      ...this.options,
      timers: this.core.timers,
      t1: this.core.t1,
      flowOf: (response) => this.flows.get(response),
    });
    this.relayed = relayed;
    // The relay is in this process: it has the INVITE now, as a next hop's 100 Trying would say.
    // (It lets the session CANCEL before any callee rang: the relay holds that CANCEL per branch.)
    callbacks.onProvisional?.(createResponse(request, 100));
    this.relay.forward(request, relayed, this.targets, this.context);
    return relayed.clientView();
  }
}
