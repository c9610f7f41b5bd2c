import { SiprecServer } from './recording/index.js';
import type { LocalRequestHandler, RoleHandler } from './routing/index.js';
import { createResponse, type SipRequest } from './sip/message/index.js';
import type { SipStack } from './sip/stack/index.js';
import type { ServerTransaction } from './sip/transaction/index.js';
import type { Target } from './sip/transport/index.js';
import { CountingTimers, UserAgentCore } from './sip/ua/index.js';

/** Methods that reach a user: without a registrar role on this node there is no such user here. */
const userMethods = ['INVITE', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'PUBLISH'];

/**
 * The node answering requests addressed to itself (RFC 3261 §8.2 through the UA core): OPTIONS
 * 200 with its capabilities; 404 for users it does not know; REGISTER to the registrar when one
 * runs (405 otherwise); 405 with Allow for methods it has no role for; 501 for methods it does not
 * understand.
 */
export class NodeUserAgent implements LocalRequestHandler {
  readonly core: UserAgentCore;
  /** The UA core's timers, counted (/metrics: switchboard_ua_timers). */
  readonly timers = new CountingTimers();

  constructor(
    stack: SipStack,
    timers: { t1: number; t2: number },
    registrar?: RoleHandler,
    recordingServer?: SiprecServer,
  ) {
    this.core = new UserAgentCore({
      transport: stack,
      timers: this.timers,
      t1: timers.t1,
      t2: timers.t2,
      userAgent: 'Switchboard',
      supported: recordingServer ? SiprecServer.optionTags : [],
    });
    for (const method of userMethods) this.core.handle(method, (request, tx) => this.noSuchUser(request, tx));
    if (registrar) this.core.handle('REGISTER', (request, tx) => registrar.handle(request, tx));
    // INVITEs addressed to the node itself are recording sessions from SIPREC clients.
    if (recordingServer) this.core.onInvite((session) => recordingServer.handle(session));
  }

  handle(request: SipRequest, transaction: ServerTransaction): void {
    if (!knownMethods.has(request.method)) {
      // RFC 3261 §21.5.2: a method the server does not recognize.
      const response = createResponse(request, 501);
      response.append('Allow', this.core.allow().join(', '));
      transaction.respond(response);
      return;
    }
    this.core.handleRequest(request, transaction);
  }

  handleCancel(cancel: SipRequest, transaction: ServerTransaction, invite: ServerTransaction): void {
    this.core.handleCancel(cancel, transaction, invite);
  }

  handleAck(ack: SipRequest, source: Target): void {
    this.core.handleAck(ack, source);
  }

  hasDialog(request: SipRequest): boolean {
    return this.core.dialogs.findForRequest(request) !== undefined;
  }

  private noSuchUser(request: SipRequest, transaction: ServerTransaction): void {
    transaction.respond(createResponse(request, 404));
  }
}

/** Methods of RFC 3261 and its registered extensions. */
const knownMethods = new Set([
  'ACK',
  'BYE',
  'CANCEL',
  'INFO',
  'INVITE',
  'MESSAGE',
  'NOTIFY',
  'OPTIONS',
  'PRACK',
  'PUBLISH',
  'REFER',
  'REGISTER',
  'SUBSCRIBE',
  'UPDATE',
]);
