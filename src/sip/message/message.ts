import { type CSeq, parseCSeq } from './cseq.js';
import { SipParseError } from './errors.js';
import type { HeaderField } from './header-field.js';
import { canonicalHeaderName, headerKey, isListHeader } from './header-names.js';
import { type NameAddress, parseNameAddress } from './name-address.js';
import { parseBoundedInt, splitList } from './scan.js';
import { parseUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

const CRLF = '\r\n';

/** Reads header fields back from a message's bytes; the parser registers it (see compact()). */
let headerReader: ((source: Buffer) => HeaderField[]) | undefined;

export function setHeaderReader(read: (source: Buffer) => HeaderField[]): void {
  headerReader = read;
}

/**
 * A SIP request or response. Headers keep their raw text and are parsed on first typed access
 * (then cached); an untouched message serializes to exactly the bytes it was parsed from.
 * Header text is a binary string (latin1, one char per octet) so any octet round-trips.
 */
export abstract class SipMessage {
  /** The bytes this message was parsed from, while it is unmodified. */
  protected source: Buffer | undefined;
  private cache: Map<string, unknown> | undefined;
  /** Undefined while compacted: read back from `source` on first use. */
  private fields: HeaderField[] | undefined;

  constructor(
    headers: HeaderField[] = [],
    public body: Buffer = Buffer.alloc(0),
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
  protected abstract startLine(): string;

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
    const out: string[] = [];
    const list = isListHeader(key);
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (list) for (const v of splitList(h.value)) out.push(v);
      else out.push(h.value);
    }
    return out;
  }

  /** Replace every header of this name by one with this value. */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const i = this.headers.findIndex((h) => h.key === key);
    const field = { name: canonicalHeaderName(key), key, value };
    if (i < 0) this.headers.push(field);
    else {
      this.headers[i] = field;
      for (let j = this.headers.length - 1; j > i; j--)
        if (this.headers[j]!.key === key) this.headers.splice(j, 1);
    }
    return this.changed(key);
  }

  /** Add a header after the last one (or at the end). */
  append(name: string, value: string): this {
    const key = headerKey(name);
    this.headers.push({ name: canonicalHeaderName(key), key, value });
    return this.changed(key);
  }

  /** Add a header value above the existing ones of the same name (Via, Record-Route). */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const i = this.headers.findIndex((h) => h.key === key);
    const field = { name: canonicalHeaderName(key), key, value };
    // With none yet, the new header goes first: order between different names is free (§7.3.1).
    this.headers.splice(Math.max(i, 0), 0, field);
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
    const i = this.headers.findIndex((h) => h.key === key);
    if (i < 0) return undefined;
    const field = this.headers[i]!;
    const values = splitList(field.value);
    const first = values.shift();
    if (values.length === 0) this.headers.splice(i, 1);
    else this.headers[i] = { name: field.name, key, value: values.join(', ') };
    this.changed(key);
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
    return this.cached('via', () => this.getAll('via').map(parseVia));
  }

  get topVia(): Via | undefined {
    return this.via[0];
  }

  get from(): NameAddress {
    return this.cached('from', () => parseNameAddress(this.required('from')));
  }

  get to(): NameAddress {
    return this.cached('to', () => parseNameAddress(this.required('to')));
  }

  get callId(): string {
    return this.required('call-id');
  }

  get cseq(): CSeq {
    return this.cached('cseq', () => parseCSeq(this.required('cseq')));
  }

  /** Max-Forwards (0-255), or undefined when absent. */
  get maxForwards(): number | undefined {
    return this.cached('max-forwards', () => {
      const v = this.get('max-forwards');
      if (v === undefined) return undefined;
      const n = parseBoundedInt(v, 255);
      if (n === undefined) throw new SipParseError(`Max-Forwards: invalid value "${v.slice(0, 20)}"`);
      return n;
    });
  }

  get contentType(): string | undefined {
    return this.get('content-type');
  }

  /** Contacts; `*` (only valid in REGISTER) is returned as the string '*'. */
  get contacts(): NameAddress[] | '*' {
    return this.cached('contact', () => {
      const values = this.getAll('contact');
      if (values.length === 1 && values[0] === '*') return '*' as const;
      return values.map(parseNameAddress);
    });
  }

  get routes(): NameAddress[] {
    return this.cached('route', () => this.getAll('route').map(parseNameAddress));
  }

  get recordRoutes(): NameAddress[] {
    return this.cached('record-route', () => this.getAll('record-route').map(parseNameAddress));
  }

  // ---- serialization ------------------------------------------------------------------

  /** The wire form; computed once and kept until the next change (retransmissions reuse it). */
  toBuffer(): Buffer {
    if (this.source) return this.source;
    let head = this.startLine() + CRLF;
    let hasLength = false;
    for (const h of this.headers) {
      if (h.key === 'content-length') hasLength = true;
      head += (h.raw ?? `${h.name}: ${h.value}`) + CRLF;
    }
    // Stream transports require Content-Length (RFC 3261 §18.3); always writing it is harmless.
    if (!hasLength) head += `Content-Length: ${this.body.length}${CRLF}`;
    head += CRLF;
    const headLength = Buffer.byteLength(head, 'latin1');
    const out = Buffer.allocUnsafe(headLength + this.body.length);
    out.write(head, 0, 'latin1');
    this.body.copy(out, headLength);
    this.source = out;
    return out;
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
    if (this.source !== undefined && headerReader !== undefined) this.fields = undefined;
  }

  /** Mark the bytes this message was parsed from (parser use). */
  attachSource(source: Buffer): void {
    this.source = source;
  }

  protected copyInto<T extends SipMessage>(target: T): T {
    target.headers = this.headers.map((h) => ({ ...h }));
    target.body = this.body;
    return target;
  }

  protected changed(key: string): this {
    this.forgetSource();
    this.cache?.delete(key);
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

  private required(key: string): string {
    const v = this.get(key);
    if (v === undefined) throw new SipParseError(`missing ${canonicalHeaderName(key)} header`);
    return v;
  }

  private cached<T>(key: string, parse: () => T): T {
    this.cache ??= new Map();
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const value = parse();
    this.cache.set(key, value);
    return value;
  }
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

  protected startLine(): string {
    return `${this._method} ${this._uriText} ${this.version}`;
  }

  override compact(): void {
    super.compact();
    this.parsedUri = undefined;
  }

  clone(): SipRequest {
    return this.copyInto(new SipRequest(this._method, this._uriText, [], undefined, this.version));
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

  protected startLine(): string {
    return `${this.version} ${this._status} ${this._reason}`;
  }

  clone(): SipResponse {
    return this.copyInto(new SipResponse(this._status, this._reason, [], undefined, this.version));
  }
}
