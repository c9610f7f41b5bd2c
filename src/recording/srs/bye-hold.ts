import type { SipRequest } from '../../sip/message/index.js';
import type { DialogUsage, InviteServerSession } from '../../sip/ua/index.js';

export interface ByeHoldOptions {
  /** Longest the 200 waits for `finish`; then it goes anyway and `finish` goes on behind it. */
  boundMs: number;
  /** The bound passed before `finish` settled. */
  onBound: () => void;
}

/**
 * Answers the peer's BYE only once `finish` has settled or `boundMs` has passed, whichever is first.
 *
 * The UA core answers a BYE 200 itself and only then emits `bye` (InviteSession.receiveBye), so a
 * `bye` listener cannot make the 200 wait. This puts a step in front of the session's DialogUsage
 * entry: the BYE's server transaction waits, absorbing the client's retransmissions (RFC 3261
 * §17.2.2), while `finish` runs; then the session takes the BYE as ever (200, `bye`, `terminated`).
 * §15.1.2 wants BYE answered promptly and the client gives up at Timer F (64·T1 = 32 s,
 * §17.1.2.2): the bound keeps the 200 well inside that. Other requests pass straight through.
 */
export function holdBye(
  session: Pick<InviteServerSession, 'onRequest' | 'dialog'>,
  finish: (bye: SipRequest) => Promise<void>,
  options: ByeHoldOptions,
): void {
  const deliver: DialogUsage['onRequest'] = session.onRequest.bind(session);
  let held = false;
  session.onRequest = (request, transaction, dialog) => {
    // Only the first BYE of the session's own dialog waits (another fork's BYE ends only that fork).
    if (request.method !== 'BYE' || dialog !== session.dialog || held) {
      deliver(request, transaction, dialog);
      return;
    }
    held = true;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'bound'>((resolve) => {
      timer = setTimeout(() => resolve('bound'), options.boundMs);
    });
    // `finish` reports its own failures; a rejection here must still not leave the BYE unanswered.
    const finished = Promise.resolve(request)
      .then(finish)
      .then(
        () => 'finished' as const,
        () => 'finished' as const,
      );
    void Promise.race([finished, bound]).then((outcome) => {
      clearTimeout(timer);
      if (outcome === 'bound') options.onBound();
      deliver(request, transaction, dialog);
    });
  };
}
