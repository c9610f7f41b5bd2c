/** A Content-Type (RFC 2045 §5.1) split into its lower-cased `type/subtype` and its parameters. */
export interface MediaType {
  /** `type/subtype`, lower-cased, without parameters (`multipart/mixed`). */
  type: string;
  /** Parameter names lower-cased; quoted values unquoted (RFC 2045 §5.1 quoted-string). */
  params: Map<string, string>;
}

/** Tolerant parse: never throws; a value without a slash gives its trimmed, lower-cased text. */
export function parseMediaType(value: string): MediaType {
  const params = new Map<string, string>();
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  let i = semi < 0 ? value.length : semi + 1;
  while (i < value.length) {
    while (i < value.length && (value[i] === ' ' || value[i] === '\t' || value[i] === ';')) i++;
    const eq = value.indexOf('=', i);
    if (eq < 0) break;
    const name = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
    let v = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        // quoted-pair: a backslash escapes the next character.
        if (value[i] === '\\' && i + 1 < value.length) i++;
        v += value[i];
        i++;
      }
      i++; // closing quote
      const next = value.indexOf(';', i);
      i = next < 0 ? value.length : next;
    } else {
      const next = value.indexOf(';', i);
      const end = next < 0 ? value.length : next;
      v = value.slice(i, end).trim();
      i = end;
    }
    if (name && !params.has(name)) params.set(name, v);
  }
  return { type, params };
}
