// RFC 3966 visual separators people and phones put in numbers.
const SEPARATORS = /[\s\-.()]/g;
const DIGITS = /^\d{1,20}$/;

/**
 * The digits a Request-URI user part dials, as routes match them: `+44 20 7946 0000` →
 * `442079460000`. undefined when it is no number (a name, `*97`, letters): LCR routes numbers only.
 */
export function dialledDigits(user: string): string | undefined {
  const digits = user.replace(SEPARATORS, '').replace(/^\+/, '');
  return DIGITS.test(digits) ? digits : undefined;
}

/** Number manipulation of a trunk: strip leading digits, then put a prefix in front. */
export function manipulate(number: string, strip: number, prefix: string): string {
  // A '+' counts as no digit: stripping 2 from `+4420...` leaves `20...`.
  const bare = number.startsWith('+') ? number.slice(1) : number;
  return prefix + (strip > 0 ? bare.slice(strip) : number);
}
