import type { Dialog } from '../dialog/index.js';
import type { SipRequest } from '../message/index.js';
import type { ServerTransaction } from '../transaction/types.js';
import type { ResponseOptions } from './session-types.js';

/** Sends a response to an in-dialog request on behalf of its session. */
export type InDialogResponder = (incoming: IncomingRequest, status: number, options: ResponseOptions) => void;

/**
 * An in-dialog request delivered to a session's owner (re-INVITE, UPDATE, INFO...). Answer it
 * once with `respond`; a 2xx to a re-INVITE gets a Contact and is retransmitted until ACKed.
 */
export class IncomingRequest {
  private answered = false;

  constructor(
    readonly request: SipRequest,
    readonly transaction: ServerTransaction,
    readonly dialog: Dialog,
    private readonly responder: InDialogResponder,
  ) {}

  get method(): string {
    return this.request.method;
  }

  /** Whether a final response was sent. */
  get responded(): boolean {
    return this.answered;
  }

  respond(status: number, options: ResponseOptions = {}): void {
    if (this.answered) throw new Error(`${this.method} already answered`);
    if (status >= 200) this.answered = true;
    this.responder(this, status, options);
  }

  accept(options: ResponseOptions = {}): void {
    this.respond(200, options);
  }

  reject(status = 488, options: ResponseOptions = {}): void {
    this.respond(status, options);
  }
}
