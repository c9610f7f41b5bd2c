/** One header line of a message. */
export interface HeaderField {
  /** The name as written (`v`, `VIA`, `Via`). */
  name: string;
  /** Canonical lower-case full name (`via`): compact forms expanded. */
  key: string;
  /** The value with line folding replaced by a space and outer whitespace trimmed. */
  value: string;
  /** The original line(s) exactly as received, for byte-exact re-serialization; absent once changed. */
  raw?: string;
}
