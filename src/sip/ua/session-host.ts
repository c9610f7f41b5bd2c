import type { Dialog } from '../dialog/index.js';
import type { SipRequest } from '../message/index.js';
import type { ClientTransaction } from '../transaction/types.js';
import type {
  DialogUsage,
  ErrorSink,
  ResponseCallbacks,
  SendOptions,
  UaTimers,
  UaTransport,
} from './types.js';

/** What call-leg sessions use of the UA core that owns them (implemented by UserAgentCore). */
export interface SessionHost {
  readonly transport: UaTransport;
  readonly timers: UaTimers;
  readonly t1: number;
  readonly t2: number;
  readonly onError: ErrorSink;
  /** Methods for Allow headers. */
  allow(): string[];
  sendRequest(
    request: SipRequest,
    callbacks?: ResponseCallbacks,
    options?: SendOptions,
  ): Promise<ClientTransaction | undefined>;
  /** Send a 2xx ACK (or any stateless request) to the dialog's next hop with a fresh Via. */
  sendInDialogStateless(request: SipRequest, dialog: Dialog): Promise<void>;
  bindDialog(dialog: Dialog, usage: DialogUsage): void;
  unbindDialog(dialog: Dialog): void;
}
