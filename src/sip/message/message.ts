import { type CSeq, parseCSeq } from './cseq.js';
import { SipParseError } from './errors.js';
import type { HeaderField } from './header-field.js';
import { canonicalHeaderName, headerKey, isListHeader } from './header-names.js';
import { checkNameAddress, type NameAddress, parseNameAddress } from './name-address.js';
import { isTrimmed, parseBoundedInt, splitList } from './scan.js';
import { parseUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

/** Reads header fields back from a message's bytes; the parser registers it (see compact()). */
let headerReader: ((source: Buffer) => HeaderField[]) | undefined;

export function setHeaderReader(read: (source: Buffer) => HeaderField[]): void {
  headerReader = read;
}

/**
 * Bytes a message was parsed from and the header fields read from them, in order, each line
 * ending in CRLF: a field still in the message is written by copying its line (see toBuffer).
 * Shared by a message and its clones; `fields` is never changed.
 */
interface Origin {
  readonly bytes: Buffer;
  readonly fields: readonly HeaderField[];
  /** Offset of the first header line in `bytes`. */
  readonly headerStart: number;
}

/** The body of a message without one: shared, a Buffer of no octets cannot change. */
const NO_BODY = Buffer.alloc(0);

/** Header fields of a clone until copyInto gives it its own: an empty array no one can change. */
const NO_FIELDS: HeaderField[] = Object.freeze([]) as unknown as HeaderField[];

/** Not parsed yet: undefined is a parsed value (no Max-Forwards). */
const UNSET: unique symbol = Symbol('unset');
type Lazy<T> = T | typeof UNSET;

/**
 * A message's typed header values, each parsed on its first use. One object of fixed shape per
 * message, and no closure per access: the proxy reads Via, CSeq and To many times per message.
 */
class ParsedHeaders {
  via: Lazy<Via[]> = UNSET;
  from: Lazy<NameAddress> = UNSET;
  to: Lazy<NameAddress> = UNSET;
  cseq: Lazy<CSeq> = UNSET;
  maxForwards: Lazy<number | undefined> = UNSET;
  contact: Lazy<NameAddress[] | '*'> = UNSET;
  route: Lazy<NameAddress[]> = UNSET;
  recordRoute: Lazy<NameAddress[]> = UNSET;

  /** A header of this key changed: its value is parsed again on next use. */
  forget(key: string): void {
    if (key === 'via') this.via = UNSET;
    else if (key === 'from') this.from = UNSET;
    else if (key === 'to') this.to = UNSET;
    else if (key === 'cseq') this.cseq = UNSET;
    else if (key === 'max-forwards') this.maxForwards = UNSET;
    else if (key === 'contact') this.contact = UNSET;
    else if (key === 'route') this.route = UNSET;
    else if (key === 'record-route') this.recordRoute = UNSET;
  }
}

/**
 * A SIP request or response. Headers keep their raw text and are parsed on first typed access
 * (then cached); an untouched message serializes to exactly the bytes it was parsed from.
 * Header text is a binary string (latin1, one char per octet) so any octet round-trips.
 */
export abstract class SipMessage {
  /** The bytes this message was parsed from, while it is unmodified. */
  protected source: Buffer | undefined;
  private cache: ParsedHeaders | undefined;
  /** Undefined while compacted: read back from `source` on first use. */
  private fields: HeaderField[] | undefined;
  /** Where unchanged header lines are copied from once the message is edited, until serialized. */
  private origin: Origin | undefined;

  constructor(
    headers: HeaderField[] = [],
    public body: Buffer = NO_BODY,
  ) {
    this.fields = headers;
  }

  get headers(): HeaderField[] {
    this.fields ??= headerReader!(this.source!);
    return this.fields;
  }

  set headers(headers: HeaderField[]) {
    this.fields = headers;
  }

  abstract readonly isRequest: boolean;
  /** Octets of the start line, its CRLF not included. */
  protected abstract startLineLength(): number;
  /** The start line (no CRLF) into `out` at `at`, part by part: no joined string to build and flatten. */
  protected abstract writeStartLine(out: Buffer, at: number): number;

  // ---- raw access -------------------------------------------------------------------------

  /** Value of the first header with this name (any spelling, compact forms included). */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const h of this.headers) if (h.key === key) return h.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Number of header lines with this name. */
  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const h of this.headers) if (h.key === key) n++;
    return n;
  }

  /** All values of a header, list headers split on their separating commas. */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const list = isListHeader(key);
    // The usual single line of a list header returns its split values as they are, no copy.
    let out: string[] | undefined;
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (!list) (out ??= []).push(h.value);
      else if (out === undefined) out = splitList(h.value);
      else for (const v of splitList(h.value)) out.push(v);
    }
    return out ?? [];
  }

  /** Replace every header of this name by one with this value. */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const i = this.indexOf(key);
    const field = { name: canonicalHeaderName(key), key, value };
    const headers = this.own();
    if (i < 0) headers.push(field);
    else {
      headers[i] = field;
      for (let j = headers.length - 1; j > i; j--) if (headers[j]!.key === key) removeAt(headers, j);
    }
    return this.changed(key);
  }

  /** Add a header after the last one (or at the end). */
  append(name: string, value: string): this {
    const key = headerKey(name);
    this.own().push({ name: canonicalHeaderName(key), key, value });
    return this.changed(key);
  }

  /** Add a header value above the existing ones of the same name (Via, Record-Route). */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const i = this.indexOf(key);
    const field = { name: canonicalHeaderName(key), key, value };
    // With none yet, the new header goes first: order between different names is free (§7.3.1).
    insertAt(this.own(), Math.max(i, 0), field);
    return this.changed(key);
  }

  remove(name: string): this {
    const key = headerKey(name);
    this.headers = this.headers.filter((h) => h.key !== key);
    return this.changed(key);
  }

  /** Remove and return the topmost value of a list header (`Via: a, b` loses `a`). */
  removeFirstValue(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.indexOf(key);
    if (i < 0) return undefined;
    const headers = this.own();
    const field = headers[i]!;
    let first: string | undefined = field.value;
    // The usual line of one value goes whole; only a list line is split and written again.
    if (isListElement(first)) removeAt(headers, i);
    else {
      const values = splitList(field.value);
      first = values.shift();
      if (values.length === 0) removeAt(headers, i);
      else headers[i] = { name: field.name, key, value: values.join(', ') };
    }
    // A proxy pops its Via off each response and then reads the next: the rest stays parsed.
    const via = key === 'via' && first !== undefined ? this.cache?.via : UNSET;
    this.changed(key);
    if (via !== undefined && via !== UNSET) this.cache!.via = via.slice(1);
    return first;
  }

  setBody(body: Buffer, contentType?: string): this {
    this.body = body;
    if (contentType !== undefined) this.set('content-type', contentType);
    this.set('content-length', String(body.length));
    return this;
  }

  // ---- typed access (parsed on first use, cached; throws SipParseError on bad syntax) ----

  get via(): Via[] {
    const parsed = this.parsed();
    if (parsed.via === UNSET) parsed.via = this.parseList('via', parseVia);
    return parsed.via;
  }

  get topVia(): Via | undefined {
    return this.via[0];
  }

  get from(): NameAddress {
    const parsed = this.parsed();
    if (parsed.from === UNSET) parsed.from = parseNameAddress(this.required('from'));
    return parsed.from;
  }

  get to(): NameAddress {
    const parsed = this.parsed();
    if (parsed.to === UNSET) parsed.to = parseNameAddress(this.required('to'));
    return parsed.to;
  }

  get callId(): string {
    return this.required('call-id');
  }

  get cseq(): CSeq {
    const parsed = this.parsed();
    if (parsed.cseq === UNSET) parsed.cseq = parseCSeq(this.required('cseq'));
    return parsed.cseq;
  }

  /** Max-Forwards (0-255), or undefined when absent. */
  get maxForwards(): number | undefined {
    const parsed = this.parsed();
    if (parsed.maxForwards !== UNSET) return parsed.maxForwards;
    const v = this.get('max-forwards');
    if (v === undefined) return (parsed.maxForwards = undefined);
    const n = parseBoundedInt(v, 255);
    if (n === undefined) throw new SipParseError(`Max-Forwards: invalid value "${v.slice(0, 20)}"`);
    return (parsed.maxForwards = n);
  }

  get contentType(): string | undefined {
    return this.get('content-type');
  }

  /** Contacts; `*` (only valid in REGISTER) is returned as the string '*'. */
  get contacts(): NameAddress[] | '*' {
    const parsed = this.parsed();
    if (parsed.contact === UNSET) {
      parsed.contact = this.isStar('contact') ? '*' : this.parseList('contact', parseNameAddress);
    }
    return parsed.contact;
  }

  get routes(): NameAddress[] {
    const parsed = this.parsed();
    if (parsed.route === UNSET) parsed.route = this.parseList('route', parseNameAddress);
    return parsed.route;
  }

  get recordRoutes(): NameAddress[] {
    const parsed = this.parsed();
    if (parsed.recordRoute === UNSET) parsed.recordRoute = this.parseList('record-route', parseNameAddress);
    return parsed.recordRoute;
  }

  /**
   * Throws what reading `contacts`, `routes` or `recordRoutes` (the header of this key) would,
   * building no address not read already; returns whether the value is `*`. For the checks every
   * request passes (RFC 3261 §16.3): a proxy validates a Contact it never reads again.
   */
  checkAddresses(key: 'contact' | 'route' | 'record-route'): boolean {
    const cache = this.cache;
    const read =
      cache === undefined
        ? UNSET
        : key === 'contact'
          ? cache.contact
          : key === 'route'
            ? cache.route
            : cache.recordRoute;
    if (read !== UNSET) return read === '*';
    if (key === 'contact' && this.isStar(key)) return true;
    // In the order parseList reads them, so the first bad address is the same one.
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (isListElement(h.value)) checkNameAddress(h.value);
      else for (const one of splitList(h.value)) checkNameAddress(one);
    }
    return false;
  }

  // ---- serialization ------------------------------------------------------------------

  /**
   * The wire form; computed once and kept until the next change (retransmissions reuse it).
   * Written into one buffer of the right size: header lines still as parsed are copied from the
   * received bytes in runs, only the start line and edited lines are written octet by octet (a
   * proxy changes three or four lines of a message, RFC 3261 §16.6, §16.7 step 3).
   */
  toBuffer(): Buffer {
    if (this.source) return this.source;
    let length = this.startLineLength() + 4; // its CRLF and the blank line's
    let hasLength = false;
    for (const h of this.headers) {
      if (h.key === 'content-length') hasLength = true;
      length += lineLength(h);
    }
    // Stream transports require Content-Length (RFC 3261 §18.3); always writing it is harmless.
    const missingLength = hasLength ? undefined : `Content-Length: ${this.body.length}`;
    if (missingLength !== undefined) length += missingLength.length + 2;
    const out = Buffer.allocUnsafe(length + this.body.length);
    let at = this.writeStartLine(out, 0);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
    at = this.origin === undefined ? this.writeHeaders(out, at) : this.copyHeaders(out, at, this.origin);
    if (missingLength !== undefined) at = writeLine(out, at, missingLength);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
    this.body.copy(out, at);
    this.source = out;
    this.origin = undefined; // the received bytes are no longer needed
    return out;
  }

  private writeHeaders(out: Buffer, at: number): number {
    for (const h of this.headers) at = writeHeader(out, at, h);
    return at;
  }

  /**
   * Header lines in order: each field found (by identity) among the origin's, at or after the
   * last one found, is its line in `origin.bytes`; adjacent ones are copied as one run.
   */
  private copyHeaders(out: Buffer, at: number, origin: Origin): number {
    const kept = origin.fields;
    let next = 0; // the origin field after the last one found
    let pos = origin.headerStart; // its offset in origin.bytes
    let runStart = pos;
    let runEnd = pos;
    for (const h of this.headers) {
      let i = next;
      let p = pos;
      while (i < kept.length && kept[i] !== h) p += lineLength(kept[i++]!);
      if (i < kept.length) {
        if (p !== runEnd) {
          at = copyRun(origin.bytes, runStart, runEnd, out, at);
          runStart = p;
        }
        next = i + 1;
        pos = runEnd = p + lineLength(h);
      } else {
        at = copyRun(origin.bytes, runStart, runEnd, out, at);
        runStart = runEnd = pos;
        at = writeHeader(out, at, h);
      }
    }
    return copyRun(origin.bytes, runStart, runEnd, out, at);
  }

  toString(): string {
    return this.toBuffer().toString('latin1');
  }

  /**
   * Forget parsed header values and, when the message has its bytes, its header fields too (both
   * are read again on demand). Transactions call it once a message only waits out a timer (32 s
   * for Timers J/L/M), so thousands of retained messages keep one buffer each, not a dozen objects
   * and strings for the garbage collector to copy and mark.
   */
  compact(): void {
    this.cache = undefined;
    this.origin = undefined;
    if (this.source !== undefined && headerReader !== undefined) this.fields = undefined;
  }

  /**
   * Mark the bytes this message was parsed from (parser use). `headerStart` is the offset of the
   * first header line when each line of the head ends in CRLF (then the lines are copied when
   * the message is written after an edit), else undefined.
   */
  attachSource(source: Buffer, headerStart?: number): void {
    this.source = source;
    if (headerStart !== undefined) this.origin = { bytes: source, fields: this.headers, headerStart };
  }

  protected copyInto<T extends SipMessage>(target: T): T {
    target.headers = copyWithRoom(this.headers); // the fields are shared: never changed in place
    target.origin = this.origin;
    target.body = this.body;
    return target;
  }

  /** The header array, to change in place: the origin's own is copied first. */
  private own(): HeaderField[] {
    const headers = this.headers;
    if (headers !== this.origin?.fields) return headers;
    this.fields = copyWithRoom(headers);
    return this.fields;
  }

  protected changed(key: string): this {
    this.forgetSource();
    this.cache?.forget(key);
    return this;
  }

  protected startLineChanged(): void {
    this.forgetSource();
  }

  /** The bytes no longer match: a compacted message reads its header fields back first. */
  private forgetSource(): void {
    if (this.fields === undefined && this.source !== undefined) this.fields = headerReader!(this.source);
    this.source = undefined;
  }

  /**
   * Each value of a list header parsed, as getAll(key).map(parse) but without its arrays: a line
   * holding one value (the usual case) is parsed as it is, not split first.
   */
  private parseList<T>(key: string, parse: (value: string) => T): T[] {
    let lines = 0;
    let single = true;
    for (const h of this.headers) {
      if (h.key !== key) continue;
      lines++;
      single &&= isListElement(h.value);
    }
    if (single) {
      // One value per line: an array of the exact size (a pushed-to one reserves 17 slots).
      const out = new Array<T>(lines);
      let n = 0;
      for (const h of this.headers) if (h.key === key) out[n++] = parse(h.value);
      return out;
    }
    const out: T[] = [];
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (isListElement(h.value)) out.push(parse(h.value));
      else for (const one of splitList(h.value)) out.push(parse(one));
    }
    return out;
  }

  /** Position of the first header with this key, or -1 (no closure per call, as findIndex takes). */
  private indexOf(key: string): number {
    const headers = this.headers;
    for (let i = 0; i < headers.length; i++) if (headers[i]!.key === key) return i;
    return -1;
  }

  /** Whether the header's values are exactly one `*` (`Contact: *`, RFC 3261 §10.2.2). */
  private isStar(key: string): boolean {
    let count = 0;
    let star = false;
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (h.value.indexOf('*') < 0) {
        if (hasListElement(h.value)) return false;
        continue;
      }
      for (const v of splitList(h.value)) {
        count++;
        star = v === '*';
      }
    }
    return count === 1 && star;
  }

  private required(key: string): string {
    const v = this.get(key);
    if (v === undefined) throw new SipParseError(`missing ${canonicalHeaderName(key)} header`);
    return v;
  }

  private parsed(): ParsedHeaders {
    this.cache ??= new ParsedHeaders();
    return this.cache;
  }
}

/** Whether a list header's value is a single element as it is: splitList would return [value]. */
function isListElement(value: string): boolean {
  return value.length > 0 && value.indexOf(',') < 0 && value.trim() === value;
}

/** Whether a list header's value has an element: anything but commas and whitespace. */
function hasListElement(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 0x2c && !isTrimmed(c)) return true;
  }
  return false;
}

/**
 * A copy of a header array with room for a few more fields: a proxy adds its Via and a
 * Record-Route to each copy it forwards (RFC 3261 §16.6), and a full array grows by reallocating
 * at 1.5 times its size plus 16. Shortening the length keeps the slots (V8 trims only far larger).
 */
function copyWithRoom(headers: readonly HeaderField[]): HeaderField[] {
  const n = headers.length;
  const out = new Array<HeaderField>(n + 4);
  for (let i = 0; i < n; i++) out[i] = headers[i]!;
  out.length = n;
  return out;
}

/** splice(i, 0, field) without the array of removed fields splice returns. */
function insertAt(headers: HeaderField[], i: number, field: HeaderField): void {
  headers.push(field);
  for (let j = headers.length - 1; j > i; j--) headers[j] = headers[j - 1]!;
  headers[i] = field;
}

/** splice(i, 1) without the array of removed fields splice returns. */
function removeAt(headers: HeaderField[], i: number): void {
  for (let j = i + 1; j < headers.length; j++) headers[j - 1] = headers[j]!;
  headers.length--;
}

/** Octets of a header's line on the wire, its CRLF included. */
function lineLength(h: HeaderField): number {
  return (h.raw === undefined ? h.name.length + 2 + h.value.length : h.raw.length) + 2;
}

/** from[start, end) into `out` at `at`; a short run octet by octet (Buffer.copy: ~150 ns a call). */
function copyRun(from: Buffer, start: number, end: number, out: Buffer, at: number): number {
  if (end - start > 32) return at + from.copy(out, at, start, end);
  for (let i = start; i < end; i++) out[at++] = from[i]!;
  return at;
}

function writeHeader(out: Buffer, at: number, h: HeaderField): number {
  if (h.raw !== undefined) return writeLine(out, at, h.raw);
  at = writeLatin1(out, at, h.name);
  out[at++] = 0x3a; // ':'
  out[at++] = 0x20;
  return writeLine(out, at, h.value);
}

/** Latin1 octets of a binary string (as Buffer.write would, low byte of each char) at `at`. */
function writeLatin1(out: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  return at;
}

function writeLine(out: Buffer, at: number, s: string): number {
  at = writeLatin1(out, at, s);
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return at;
}

export class SipRequest extends SipMessage {
  readonly isRequest = true;
  private parsedUri: Uri | undefined;

  constructor(
    private _method: string,
    private _uriText: string,
    headers: HeaderField[] = [],
    body?: Buffer,
    public version = 'SIP/2.0',
  ) {
    super(headers, body);
  }

  get method(): string {
    return this._method;
  }

  set method(m: string) {
    this._method = m;
    this.startLineChanged();
  }

  /** The Request-URI as written. */
  get uriText(): string {
    return this._uriText;
  }

  /** The parsed Request-URI (throws SipParseError when malformed). */
  get uri(): Uri {
    if (!this.parsedUri) this.parsedUri = parseUri(this._uriText);
    return this.parsedUri;
  }

  set uri(uri: Uri | string) {
    this._uriText = uri.toString();
    this.parsedUri = typeof uri === 'string' ? undefined : uri;
    this.startLineChanged();
  }

  protected startLineLength(): number {
    return this._method.length + this._uriText.length + this.version.length + 2;
  }

  /** Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1). */
  protected writeStartLine(out: Buffer, at: number): number {
    at = writeLatin1(out, at, this._method);
    out[at++] = 0x20;
    at = writeLatin1(out, at, this._uriText);
    out[at++] = 0x20;
    return writeLatin1(out, at, this.version);
  }

  override compact(): void {
    super.compact();
    this.parsedUri = undefined;
  }

  clone(): SipRequest {
    return this.copyInto(new SipRequest(this._method, this._uriText, NO_FIELDS, undefined, this.version));
  }
}

export class SipResponse extends SipMessage {
  readonly isRequest = false;

  constructor(
    private _status: number,
    private _reason: string,
    headers: HeaderField[] = [],
    body?: Buffer,
    public version = 'SIP/2.0',
  ) {
    super(headers, body);
  }

  get status(): number {
    return this._status;
  }

  set status(s: number) {
    this._status = s;
    this.startLineChanged();
  }

  get reason(): string {
    return this._reason;
  }

  set reason(r: string) {
    this._reason = r;
    this.startLineChanged();
  }

  protected startLineLength(): number {
    return this.version.length + String(this._status).length + this._reason.length + 2;
  }

  /** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2). */
  protected writeStartLine(out: Buffer, at: number): number {
    at = writeLatin1(out, at, this.version);
    out[at++] = 0x20;
    at = writeLatin1(out, at, String(this._status));
    out[at++] = 0x20;
    return writeLatin1(out, at, this._reason);
  }

  clone(): SipResponse {
    return this.copyInto(new SipResponse(this._status, this._reason, NO_FIELDS, undefined, this.version));
  }
}
