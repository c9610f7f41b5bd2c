/** RFC 3261 §7.3.3 and the IANA registry: compact header forms and their full names. */
const compactForms: Record<string, string> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

/** The spelling used when Switchboard writes a header it created. */
const canonicalSpellings: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  rack: 'RAck',
  rseq: 'RSeq',
  'min-se': 'Min-SE',
};

/**
 * Headers whose values are comma-separated lists (RFC 3261 §7.3.1), so that
 * `Via: a, b` is the same as two Via headers. Authorization-like headers and Date are not.
 */
const listHeaders = new Set([
  'via',
  'route',
  'record-route',
  'contact',
  'path',
  'service-route',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'allow-events',
  'content-encoding',
  'content-language',
  'in-reply-to',
  'alert-info',
  'call-info',
  'error-info',
  'reason',
  'warning',
  'p-asserted-identity',
  'p-preferred-identity',
  'security-client',
  'security-server',
  'security-verify',
]);

/** The canonical key of a header name: lower-case, compact forms expanded. */
export function headerKey(name: string): string {
  const known = keyCache.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  const key = lower.length === 1 ? (compactForms[lower] ?? lower) : lower;
  if (keyCache.size < 2000) keyCache.set(name, key);
  return key;
}

/**
 * The same string for every occurrence of a header name as written, so thousands of retained
 * messages share one copy of `Via` instead of each holding its own slice of its packet.
 */
export function internHeaderName(name: string): string {
  const known = internedNames.get(name);
  if (known !== undefined) return known;
  // Bounded: names from the wire can be anything; past the bound they are simply not shared.
  if (internedNames.size < 2000) internedNames.set(name, name);
  return name;
}

const keyCache = new Map<string, string>();
const internedNames = new Map<string, string>();

/** Header names as most user agents write them, by length: found without cutting the name out. */
const commonNames: string[][] = [];
for (const name of [
  'Via',
  'v',
  'From',
  'f',
  'To',
  't',
  'Call-ID',
  'i',
  'CSeq',
  'Contact',
  'm',
  'Max-Forwards',
  'Content-Length',
  'l',
  'Content-Type',
  'c',
  'Route',
  'Record-Route',
  'Subject',
  's',
  'Allow',
  'Supported',
  'k',
  'Require',
  'User-Agent',
  'Server',
  'Expires',
  'Authorization',
  'Proxy-Authorization',
  'WWW-Authenticate',
  'Proxy-Authenticate',
  'Path',
  'Event',
  'o',
  'Date',
  'Accept',
  'Session-Expires',
  'Min-SE',
  'P-Asserted-Identity',
  'Reason',
]) {
  (commonNames[name.length] ??= []).push(name);
}

/** internHeaderName of s[start, end), without a substring when it is a common name. */
export function internHeaderNameAt(s: string, start: number, end: number): string {
  const candidates = commonNames[end - start];
  if (candidates !== undefined) for (const name of candidates) if (s.startsWith(name, start)) return name;
  return internHeaderName(s.slice(start, end));
}

/** How a header we create is spelled on the wire: `max-forwards` → `Max-Forwards`. */
export function canonicalHeaderName(key: string): string {
  let name = spellingCache.get(key);
  if (name === undefined) {
    name =
      canonicalSpellings[key] ??
      key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    // Bounded: header names come from code and from the wire, where they can be anything.
    if (spellingCache.size < 1000) spellingCache.set(key, name);
  }
  return name;
}

const spellingCache = new Map<string, string>();

export function isListHeader(key: string): boolean {
  return listHeaders.has(key);
}
