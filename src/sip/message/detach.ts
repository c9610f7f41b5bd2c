/**
 * A copy of `s` that shares no memory with the message it was cut from: V8 keeps sliced and
 * concatenated strings pointing at their parent, so a binding holding a slice of a header would
 * keep the whole REGISTER alive. Latin1 round-trips every octet of a header's binary string.
 */
export function detach(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}
