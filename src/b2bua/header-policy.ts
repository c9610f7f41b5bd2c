import type { SipMessage } from '../sip/message/index.js';

/**
 * Headers that cross from one leg to the other: identity (RFC 3325), diversion (RFC 5806,
 * RFC 7044), privacy (RFC 3323) and user-to-user data (RFC 7433). Everything else — Via,
 * Record-Route, Contact, Call-ID, tags, and whatever a peer adds — stays on its own side.
 */
export const PASSED_HEADERS: readonly string[] = [
  'p-asserted-identity',
  'diversion',
  'history-info',
  'privacy',
  'user-to-user',
];

/**
 * Which headers pass from one leg to the other: the fixed list above plus the configured X-
 * headers (`b2bua.passHeaders`; `X-*` passes every X- header).
 */
export class HeaderPolicy {
  private readonly names: Set<string>;
  private readonly allX: boolean;

  constructor(extra: readonly string[] = []) {
    const lowered = extra.map((name) => name.toLowerCase());
    this.allX = lowered.includes('x-*');
    this.names = new Set([...PASSED_HEADERS, ...lowered.filter((name) => name !== 'x-*')]);
  }

  passes(key: string): boolean {
    return this.names.has(key) || (this.allX && key.startsWith('x-'));
  }

  /** The passed headers of a message, in order, as [name, value] pairs for the other leg. */
  pick(message: SipMessage): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const header of message.headers) if (this.passes(header.key)) out.push([header.name, header.value]);
    return out;
  }
}
