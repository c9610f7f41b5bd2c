import type { NumberingPlan } from '../../store/index.js';

// RFC 3966 §5.1.1 visual separators people dial and phones send (`030 1234-567`, `(030) 1234`).
const SEPARATORS = /[\s\-.()]/g;
const DIALLED = /^\+?\d+$/;
// E.164: at most 15 digits, the country code never starts with 0.
const E164 = /^\+[1-9]\d{2,14}$/;

/** Whether a user part reads as a dialled number (digits, a leading '+', visual separators). */
export function looksDialled(user: string): boolean {
  return DIALLED.test(user.replace(SEPARATORS, ''));
}

export type Normalised =
  | { kind: 'e164'; number: string }
  | { kind: 'invalid'; reason: 'incomplete' | 'too-long' };

/**
 * A dialled number in E.164 by the domain's plan (Kamailio's dialplan, Asterisk's `_0X.` to
 * `+49…`): `+…` as it is, the international prefix for '+', the national prefix for '+' and the
 * country code, and a local number (no prefix) with the area code in front. Undefined when the
 * plan cannot tell (a local number without an area code: a short code, an extension).
 */
export function toE164(dialled: string, plan: NumberingPlan): Normalised | undefined {
  const digits = dialled.replace(SEPARATORS, '');
  if (!DIALLED.test(digits)) return undefined;
  let number: string | undefined;
  if (digits.startsWith('+')) number = digits;
  else if (plan.internationalPrefix && digits.startsWith(plan.internationalPrefix))
    number = `+${digits.slice(plan.internationalPrefix.length)}`;
  else if (plan.nationalPrefix && digits.startsWith(plan.nationalPrefix))
    number = `+${plan.countryCode}${digits.slice(plan.nationalPrefix.length)}`;
  else if (plan.areaCode) number = `+${plan.countryCode}${plan.areaCode}${digits}`;
  if (number === undefined) return undefined;
  if (E164.test(number)) return { kind: 'e164', number };
  return { kind: 'invalid', reason: number.length > 16 ? 'too-long' : 'incomplete' };
}

/**
 * An E.164 number as the domain's subscribers read it: national format (`030 1234567` without
 * the space) for numbers of its country, international prefix otherwise; as it is without a plan.
 */
export function forDisplay(e164: string, plan: NumberingPlan | undefined): string {
  if (!plan || !E164.test(e164)) return e164;
  if (e164.startsWith(`+${plan.countryCode}`) && plan.nationalPrefix !== undefined)
    return `${plan.nationalPrefix}${e164.slice(1 + plan.countryCode.length)}`;
  if (plan.internationalPrefix !== undefined) return `${plan.internationalPrefix}${e164.slice(1)}`;
  return e164;
}

/** The forms a number is matched in: as given and, when the plan tells, in E.164. */
export function numberForms(user: string, plan: NumberingPlan | undefined): string[] {
  const forms = [user];
  const normalised = plan ? toE164(user, plan) : undefined;
  if (normalised?.kind === 'e164' && normalised.number !== user) forms.push(normalised.number);
  return forms;
}
