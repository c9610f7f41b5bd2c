import type { SipRequest, SipResponse } from '../message/index.js';
import type { Dialog } from './dialog.js';
import { type DialogId, dialogKey, incomingRequestDialogId, responseDialogId } from './dialog-id.js';

/**
 * Dialogs of one UA keyed by dialog id (RFC 3261 §12), each with a value of the owner's choice
 * (the dialog itself, or the usage that handles its requests). A request that names a dialog
 * with its To tag and matches none here deserves 481 (§12.2.2).
 */
export class DialogStore<V = Dialog> {
  private readonly entries = new Map<string, V>();

  get size(): number {
    return this.entries.size;
  }

  set(id: DialogId, value: V): void {
    this.entries.set(dialogKey(id), value);
  }

  get(id: DialogId): V | undefined {
    return this.entries.get(dialogKey(id));
  }

  delete(id: DialogId): boolean {
    return this.entries.delete(dialogKey(id));
  }

  values(): IterableIterator<V> {
    return this.entries.values();
  }

  /** The dialog of an incoming request: Call-ID, To tag as local tag, From tag as remote (§12.2.2). */
  findForRequest(request: SipRequest): V | undefined {
    const id = incomingRequestDialogId(request);
    return id ? this.get(id) : undefined;
  }

  /** The dialog of a response to our request: Call-ID, From tag as local, To tag as remote (§12.2.1.2). */
  findForResponse(response: SipResponse): V | undefined {
    const id = responseDialogId(response);
    return id ? this.get(id) : undefined;
  }
}
