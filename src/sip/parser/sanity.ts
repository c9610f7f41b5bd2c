import { SipParseError } from '../message/errors.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/message.js';

/** A request that must be refused before any role sees it, and how. */
export interface SanityFailure {
  status: number;
  reason: string;
  /** Extra headers for the response (e.g. Unsupported, Accept). */
  headers?: Array<[string, string]>;
}

/** Headers every request and response carries (RFC 3261 §8.1.1). */
const mandatory = ['via', 'from', 'to', 'call-id', 'cseq'];
/** Headers that may appear once only (RFC 3261 §7.3.1: only list headers may repeat). */
const singleValued = ['from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-type', 'expires'];
/** Position of each header counted, in `counts`. */
const counted = new Map([...new Set([...mandatory, ...singleValued])].map((key, i) => [key, i]));
const counts = new Int32Array(counted.size);
const mandatoryAt = mandatory.map((key) => counted.get(key)!);
const singleValuedAt = singleValued.map((key) => counted.get(key)!);

/**
 * The first mandatory header missing (`missing`) or single-valued one repeated (`multiple`), from
 * one pass over the header lines rather than one per header name.
 */
function headerProblem(message: SipMessage): { problem: 'missing' | 'multiple'; key: string } | undefined {
  counts.fill(0);
  for (const h of message.headers) {
    const i = counted.get(h.key);
    if (i !== undefined) counts[i]!++;
  }
  for (let i = 0; i < mandatory.length; i++)
    if (counts[mandatoryAt[i]!] === 0) return { problem: 'missing', key: mandatory[i]! };
  for (let i = 0; i < singleValued.length; i++)
    if (counts[singleValuedAt[i]!]! > 1) return { problem: 'multiple', key: singleValued[i]! };
  return undefined;
}

function fail(status: number, reason: string): SanityFailure {
  return { status, reason };
}

/**
 * The checks every request passes before a transaction is created (RFC 3261 §8.2, §16.3):
 * mandatory headers present once and well-formed, CSeq method matching, a usable Request-URI.
 * Returns undefined when the request is sane.
 */
export function checkRequest(request: SipRequest): SanityFailure | undefined {
  const header = headerProblem(request);
  if (header?.problem === 'missing') return fail(400, `Missing ${header.key} header`);
  if (header) return fail(400, `Multiple ${header.key} headers`);
  try {
    const uri = request.uri;
    if (uri.kind === 'sip' && uri.headers !== undefined) return fail(400, 'Headers in Request-URI');
    if (uri.kind === 'absolute') return fail(416, 'Unsupported URI Scheme');
    if (request.via.length === 0) return fail(400, 'Missing via header');
    void request.from;
    void request.to;
    void request.maxForwards;
    const cseq = request.cseq;
    if (cseq.method !== request.method) return fail(400, 'CSeq method does not match Request-Line');
    // A registrar reads a REGISTER's contacts next; a proxy never reads another request's
    // Contact or Record-Route, so they are checked without building their addresses.
    if (request.method === 'REGISTER') void request.contacts;
    else if (request.checkAddresses('contact')) return fail(400, 'Contact * outside REGISTER');
    void request.routes;
    request.checkAddresses('record-route');
    const expires = request.get('expires');
    if (expires !== undefined && !/^\d{1,10}$/.test(expires)) return fail(400, 'Invalid Expires');
  } catch (e) {
    if (e instanceof SipParseError)
      return fail(e.status, e.status === 400 ? `Bad Request (${e.message})` : e.message);
    throw e;
  }
  return undefined;
}

/**
 * Checks a response passes before it reaches a transaction; a failing response is dropped and
 * counted (RFC 4475 §3.1.2.5, §3.1.2.19). Returns a description of the problem, or undefined.
 */
export function checkResponse(response: SipResponse): string | undefined {
  const header = headerProblem(response);
  if (header) return `${header.problem} ${header.key}`;
  try {
    if (response.via.length === 0) return 'missing via';
    void response.from;
    void response.to;
    void response.cseq;
    const expires = response.get('expires');
    if (expires !== undefined && !/^\d{1,10}$/.test(expires)) return 'invalid Expires';
  } catch (e) {
    if (e instanceof SipParseError) return e.message;
    throw e;
  }
  return undefined;
}
