/**
 * One header line of a message. Never changed in place (a message replaces the whole field), so
 * copies of a message share their fields.
 */
export interface HeaderField {
  /** The name as written (`v`, `VIA`, `Via`). */
  readonly name: string;
  /** Canonical lower-case full name (`via`): compact forms expanded. */
  readonly key: string;
  /** The value with line folding replaced by a space and outer whitespace trimmed. */
  readonly value: string;
  /** The original line(s) exactly as received, for byte-exact re-serialization; absent once changed. */
  readonly raw?: string;
}
