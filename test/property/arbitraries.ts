import fc from 'fast-check';
import { quote } from '../../src/sip/message/index.js';

/**
 * Generators of valid SIP messages (RFC 3261 §25 grammar), built from arbitrary parts so the
 * property tests see far more shapes than a handful of fixed messages. Each message comes with
 * the values the typed accessors must return.
 */

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGIT = '0123456789';
const TOKEN = ALPHA + DIGIT + "-.!%*_+`'~";
const UNRESERVED = ALPHA + DIGIT + "-_.!~*'()";
const HEX = '0123456789abcdefABCDEF';

const charsOf = (set: string) => fc.constantFrom(...set.split(''));

export const token = (maxLength = 12): fc.Arbitrary<string> =>
  fc.string({ unit: charsOf(TOKEN), minLength: 1, maxLength });

/** `%HH`, so escapes show up often enough. */
const escaped = fc.tuple(charsOf(HEX), charsOf(HEX)).map(([a, b]) => `%${a}${b}`);

const uriPart = (extra: string, maxLength: number) =>
  fc
    .array(
      fc.oneof({ weight: 6, arbitrary: charsOf(UNRESERVED + extra) }, { weight: 1, arbitrary: escaped }),
      {
        minLength: 1,
        maxLength,
      },
    )
    .map((parts) => parts.join(''));

/** RFC 3261 user: unreserved / escaped / user-unreserved (& = + $ , ; ? /). */
export const user = uriPart('&=+$,;?/', 12);
const password = fc
  .array(fc.oneof(charsOf(UNRESERVED + '&=+$,'), escaped), { maxLength: 8 })
  .map((p) => p.join(''));

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const hostname = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.')),
  fc.mixedCase(fc.domain()),
);
export const host: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostname },
  { weight: 2, arbitrary: fc.ipV4() },
  { weight: 2, arbitrary: fc.ipV6().map((a) => `[${a}]`) },
);
export const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });

/** URI parameters with distinct names (Parameters merges repeated names). */
const paramValue = uriPart('[]:&+$', 10);
const uriParams = fc
  .uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/), fc.option(paramValue, { nil: null })), {
    maxLength: 4,
    selector: ([n]) => n,
  })
  .map((ps) => ps.map(([n, v]) => (v === null ? `;${n}` : `;${n}=${v}`)).join(''));
const uriHeaders = fc
  .array(fc.tuple(token(6), uriPart('[]/?:+$', 8)), { minLength: 1, maxLength: 3 })
  .map((hs) => '?' + hs.map(([n, v]) => `${n}=${v}`).join('&'));

export interface GenUri {
  text: string;
  scheme: 'sip' | 'sips';
  user?: string;
  host: string;
  port?: number;
}

export const sipUri = (withHeaders: boolean): fc.Arbitrary<GenUri> =>
  fc
    .record({
      scheme: fc.constantFrom('sip' as const, 'sips' as const),
      userinfo: fc.option(fc.tuple(user, fc.option(password, { nil: undefined })), { nil: undefined }),
      host,
      port,
      params: uriParams,
      headers: withHeaders ? fc.option(uriHeaders, { nil: '' }) : fc.constant(''),
    })
    .map(({ scheme, userinfo, host, port, params, headers }) => {
      let text = scheme + ':';
      if (userinfo) text += userinfo[0] + (userinfo[1] !== undefined ? ':' + userinfo[1] : '') + '@';
      text += host + (port !== undefined ? ':' + port : '') + params + (headers ?? '');
      return { text, scheme, user: userinfo?.[0], host, port };
    });

/** Quoted (any printable octet, quotes and backslashes escaped), unquoted tokens, or none. */
const displayName = fc.oneof(
  fc.constant(''),
  fc
    .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 })
    .map(quote),
  fc.array(token(8), { minLength: 1, maxLength: 3 }).map((t) => t.join(' ')),
);

export interface GenNameAddr {
  text: string;
  uri: GenUri;
  tag?: string;
}

export const nameAddr = (withTag: boolean): fc.Arbitrary<GenNameAddr> =>
  fc
    .record({
      uri: sipUri(true),
      dn: displayName,
      tag: withTag ? fc.option(token(16), { nil: undefined }) : fc.constant(undefined),
      angled: fc.boolean(),
    })
    .map(({ uri, dn, tag, angled }) => {
      // RFC 3261 §20: a URI with ',', '?' or ';' must be in <>; so must one after a display name.
      const bare = !dn && !angled && !/[;,?]/.test(uri.text);
      let text = bare ? uri.text : `${dn}${dn ? ' ' : ''}<${uri.text}>`;
      if (tag !== undefined) text += `;tag=${tag}`;
      return { text, uri, tag };
    });

export interface GenVia {
  text: string;
  transport: string;
  host: string;
  port?: number;
  branch: string;
}

export const via: fc.Arbitrary<GenVia> = fc
  .record({
    transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS', 'udp', 'tcp'),
    host,
    port,
    branch: token(20).map((t) => 'z9hG4bK' + t),
    received: fc.option(
      fc.oneof(
        fc.ipV4(),
        fc.ipV6().map((a) => `[${a}]`),
      ),
      { nil: undefined },
    ),
    rport: fc.option(fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }), { nil: undefined }),
    lws: fc.boolean(),
  })
  .map(({ transport, host, port, branch, received, rport, lws }) => {
    const sep = lws ? ' / ' : '/';
    let text = `SIP${sep}2.0${sep}${transport} ${host}${port !== undefined ? (lws ? ' : ' : ':') + port : ''}`;
    text += `;branch=${branch}`;
    if (received !== undefined) text += `;received=${received}`;
    if (rport !== undefined) text += rport === null ? ';rport' : `;rport=${rport}`;
    return { text, transport: transport.toUpperCase(), host, port, branch };
  });

const methods = fc.oneof(
  fc.constantFrom('INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY'),
  fc.constantFrom('REFER', 'INFO', 'UPDATE', 'PRACK', 'PUBLISH'),
  token(10),
);

/** Printable header values with no outer whitespace (the parser trims it); octets 0x80-0xff allowed. */
const headerValue = fc
  .string({
    unit: fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) },
      { weight: 3, arbitrary: fc.constant(' ') },
      { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
    ),
    maxLength: 60,
  })
  .map((s) => s.trim());

const extraHeader = fc
  .record({ name: token(12).map((t) => 'X-' + t), value: headerValue, fold: fc.boolean() })
  .map(({ name, value, fold }) => {
    // Fold at a single space between two non-blank characters so unfolding gives the value back.
    const at = value.search(/\S \S/);
    const written = fold && at >= 0 ? value.slice(0, at + 1) + '\r\n ' + value.slice(at + 2) : value;
    return { name, value, line: `${name}: ${written}` };
  });

/** Spell a header name as written in full, compact, or in random case. */
const spelling = (full: string, compact?: string): fc.Arbitrary<string> =>
  compact
    ? fc.oneof(fc.constant(full), fc.constant(compact), fc.mixedCase(fc.constant(full)))
    : fc.mixedCase(fc.constant(full));

export interface GenMessage {
  bytes: Buffer;
  isRequest: boolean;
  method: string;
  status?: number;
  requestUri?: string;
  vias: GenVia[];
  from: GenNameAddr;
  to: GenNameAddr;
  callId: string;
  cseq: number;
  maxForwards: number;
  contacts: GenNameAddr[];
  extra: Array<{ name: string; value: string }>;
  body: Buffer;
}

export const message: fc.Arbitrary<GenMessage> = fc
  .record({
    isRequest: fc.boolean(),
    method: methods,
    status: fc.integer({ min: 100, max: 699 }),
    reason: headerValue,
    requestUri: sipUri(false),
    vias: fc.array(via, { minLength: 1, maxLength: 4 }),
    combineVias: fc.boolean(),
    from: nameAddr(false).chain((f) => token(16).map((tag) => ({ ...f, text: `${f.text};tag=${tag}`, tag }))),
    to: nameAddr(true),
    callId: fc.tuple(token(20), fc.option(host, { nil: undefined })).map(([a, h]) => (h ? `${a}@${h}` : a)),
    cseq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    maxForwards: fc.integer({ min: 0, max: 255 }),
    contacts: fc.array(nameAddr(false), { maxLength: 3 }),
    extra: fc.uniqueArray(extraHeader, { maxLength: 5, selector: (e) => e.name.toLowerCase() }),
    body: fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
    names: fc.record({
      via: spelling('Via', 'v'),
      from: spelling('From', 'f'),
      to: spelling('To', 't'),
      callId: spelling('Call-ID', 'i'),
      cseq: spelling('CSeq'),
      contact: spelling('Contact', 'm'),
      length: spelling('Content-Length', 'l'),
    }),
    shuffle: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
  })
  .map((g) => {
    const n = g.names;
    const viaLines = g.combineVias
      ? [`${n.via}: ${g.vias.map((v) => v.text).join(', ')}`]
      : g.vias.map((v) => `${n.via}: ${v.text}`);
    const others = [
      `${n.from}: ${g.from.text}`,
      `${n.to}: ${g.to.text}`,
      `${n.callId}: ${g.callId}`,
      `${n.cseq}: ${g.cseq} ${g.method}`,
      `Max-Forwards: ${g.maxForwards}`,
      ...(g.contacts.length ? [`${n.contact}: ${g.contacts.map((c) => c.text).join(', ')}`] : []),
      ...g.extra.map((e) => e.line),
    ];
    // Header order is free between different names (RFC 3261 §7.3.1); Via lines keep their order.
    for (let i = others.length - 1; i > 0; i--) {
      const j = (g.shuffle[i % 16] ?? 0) % (i + 1);
      [others[i], others[j]] = [others[j]!, others[i]!];
    }
    const start = g.isRequest
      ? `${g.method} ${g.requestUri.text} SIP/2.0`
      : `SIP/2.0 ${g.status} ${g.reason}`;
    const head = [start, ...viaLines, ...others, `${n.length}: ${g.body.length}`].join('\r\n') + '\r\n\r\n';
    const extra = g.extra;
    return {
      bytes: Buffer.concat([Buffer.from(head, 'latin1'), g.body]),
      isRequest: g.isRequest,
      method: g.method,
      status: g.isRequest ? undefined : g.status,
      requestUri: g.isRequest ? g.requestUri.text : undefined,
      vias: g.vias,
      from: g.from,
      to: g.to,
      callId: g.callId,
      cseq: g.cseq,
      maxForwards: g.maxForwards,
      contacts: g.contacts,
      extra: extra.map(({ name, value }) => ({ name, value })),
      body: g.body,
    };
  });

/** Octets and short strings that stress a SIP parser: separators, line ends, quotes, NUL. */
export const hostileChunk: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom(
      '\r',
      '\n',
      '\r\n',
      '\r\n\r\n',
      '\r\n ',
      ':',
      ';',
      ',',
      '"',
      '<',
      '>',
      '\\',
      '[',
      ']',
      '=',
      '%',
      '?',
      '@',
    )
    .map((s) => Buffer.from(s, 'latin1')),
  fc
    .constantFrom('\x00', ' ', '\t', '\xff', 'SIP/2.0', 'Content-Length: 99999\r\n', 'Via: ', ';tag=')
    .map((s) => Buffer.from(s, 'latin1')),
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Buffer.from(b)),
);
