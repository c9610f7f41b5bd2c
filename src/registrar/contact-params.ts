import type { NameAddress } from '../sip/message/index.js';

/** A header parameter value that is not a valid number of the expected form. */
export class BadParameter extends Error {}

/** The largest interval a SIP element has to read (RFC 3261 §20.19: 2**32-1 seconds). */
const MAX_DELTA = 2 ** 32 - 1;

/**
 * delta-seconds (RFC 3261 §25.1). Values above 2**32-1 read as 2**32-1 (the registrar shortens
 * them anyway); anything that is not digits is refused.
 */
export function parseDeltaSeconds(text: string): number {
  if (!/^[0-9]+$/.test(text)) throw new BadParameter(`invalid delta-seconds "${text.slice(0, 20)}"`);
  if (text.length > 10) return MAX_DELTA;
  return Math.min(Number(text), MAX_DELTA);
}

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (RFC 3261 §20.10). */
export function parseQValue(text: string): number {
  if (!/^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(text))
    throw new BadParameter(`invalid q "${text.slice(0, 20)}"`);
  return Number(text);
}

/** What the registrar reads from one Contact value. */
export interface ContactParams {
  expires?: number;
  q?: number;
  /** `+sip.instance` as written, quotes included (RFC 5626 §4.1). */
  instanceId?: string;
  regId?: number;
}

/** Contact parameters with a meaning for registration; throws BadParameter on bad syntax. */
export function contactParams(contact: NameAddress): ContactParams {
  const out: ContactParams = {};
  const expires = contact.params.get('expires');
  if (expires !== undefined) {
    if (expires === null) throw new BadParameter('expires without a value');
    out.expires = parseDeltaSeconds(expires);
  }
  const q = contact.params.get('q');
  if (q !== undefined) {
    if (q === null) throw new BadParameter('q without a value');
    out.q = parseQValue(q);
  }
  const instance = contact.params.get('+sip.instance');
  if (instance !== undefined && instance !== null) {
    if (instance.length > 256) throw new BadParameter('+sip.instance too long');
    out.instanceId = instance;
  }
  const regId = contact.params.get('reg-id');
  if (regId !== undefined) {
    // RFC 5626 §4.2: reg-id = 1*DIGIT, 1 to 2**31-1.
    if (regId === null || !/^[1-9][0-9]{0,9}$/.test(regId) || Number(regId) > 2 ** 31 - 1) {
      throw new BadParameter('invalid reg-id');
    }
    out.regId = Number(regId);
  }
  return out;
}
