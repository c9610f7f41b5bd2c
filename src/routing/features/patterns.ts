/**
 * Barring patterns (as stored, see src/store/feature-validate.ts): literal characters, '?' for
 * any one character, a trailing '*' for any rest. `+1900*` bars premium numbers, `00*` every
 * number dialled with the international prefix, `+4930123456?` ten numbers.
 */
export function matchesPattern(pattern: string, value: string): boolean {
  const open = pattern.endsWith('*');
  const body = open ? pattern.slice(0, -1) : pattern;
  if (open ? value.length < body.length : value.length !== body.length) return false;
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '?' && body[i] !== value[i]) return false;
  }
  return true;
}

/** The first pattern that matches one of the forms of a number, if any. */
export function firstMatch(
  patterns: readonly string[] | undefined,
  forms: readonly string[],
): string | undefined {
  if (!patterns) return undefined;
  for (const pattern of patterns) if (forms.some((form) => matchesPattern(pattern, form))) return pattern;
  return undefined;
}
