/** One SIP message from SIPp's `-trace_msg` log. */
export interface TracedMessage {
  direction: 'sent' | 'received';
  /** The first line: `REGISTER sip:example.com SIP/2.0` or `SIP/2.0 401 Unauthorized`. */
  startLine: string;
  /** Status code of a response, undefined for a request. */
  status: number | undefined;
  /** Header lines as written (`Name: value`), folded lines joined. */
  headers: string[];
  raw: string;
}

const SEPARATOR = /^-{20,} .*$/m;

/**
 * Parses SIPp 3.6's message log: blocks separated by a dashed line with a timestamp, then
 * `UDP message sent (N bytes):` or `UDP message received [N] bytes :`, a blank line, the message.
 */
export function parseSippMessages(log: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  for (const block of log.split(SEPARATOR)) {
    const lines = block.replace(/\r/g, '').split('\n');
    const intro = lines.findIndex((l) => /message (sent|received)/.test(l));
    if (intro < 0) continue;
    const direction = lines[intro]!.includes('sent') ? 'sent' : 'received';
    const body = lines.slice(intro + 1);
    while (body.length > 0 && body[0]!.trim() === '') body.shift();
    const startLine = body[0] ?? '';
    const headers: string[] = [];
    for (const line of body.slice(1)) {
      if (line === '') break;
      if (/^[ \t]/.test(line) && headers.length > 0) headers[headers.length - 1] += ` ${line.trim()}`;
      else headers.push(line);
    }
    const status = /^SIP\/2\.0 (\d{3})/.exec(startLine);
    out.push({
      direction,
      startLine,
      status: status ? Number(status[1]) : undefined,
      headers,
      raw: body.join('\n'),
    });
  }
  return out;
}

const COMPACT: Record<string, string> = { m: 'contact', v: 'via', f: 'from', t: 'to', i: 'call-id' };

/** Every value of header `name` (case-insensitive, compact forms too), in order. */
export function headerValues(message: { headers: string[] }, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const line of message.headers) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    let key = line.slice(0, colon).trim().toLowerCase();
    key = COMPACT[key] ?? key;
    if (key === wanted) values.push(line.slice(colon + 1).trim());
  }
  return values;
}

/** Splits header values on commas outside quotes and angle brackets (Contact: a, b). */
export function splitList(values: string[]): string[] {
  const items: string[] = [];
  for (const value of values) {
    let depth = 0;
    let quoted = false;
    let start = 0;
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
      else if (!quoted && c === '<') depth++;
      else if (!quoted && c === '>') depth--;
      else if (!quoted && depth === 0 && c === ',') {
        items.push(value.slice(start, i).trim());
        start = i + 1;
      }
    }
    const last = value.slice(start).trim();
    if (last !== '') items.push(last);
  }
  return items;
}

/** The `expires` parameter of a Contact value, or undefined. */
export function contactExpires(contact: string): number | undefined {
  const afterUri = contact.includes('>') ? contact.slice(contact.lastIndexOf('>')) : contact;
  const m = /;\s*expires\s*=\s*(\d+)/i.exec(afterUri);
  return m ? Number(m[1]) : undefined;
}

/** The URI of a Contact value, without angle brackets or parameters outside them. */
export function contactUri(contact: string): string {
  const m = /<([^>]*)>/.exec(contact);
  return (m ? m[1]! : contact.split(';')[0]!).trim();
}

/** The responses SIPp received, one line each, for assertion messages. */
export function describeExchange(messages: TracedMessage[]): string {
  return messages
    .map((m) => {
      const interesting = m.headers.filter((h) =>
        /^(contact|m|www-authenticate|authorization|min-expires|expires|cseq)\s*:/i.test(h),
      );
      return `${m.direction === 'sent' ? '>>' : '<<'} ${m.startLine}\n${interesting.map((h) => `     ${h}`).join('\n')}`;
    })
    .join('\n');
}
