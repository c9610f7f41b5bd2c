import { describe, expect, it } from 'vitest';
import { checkRequest, checkResponse } from '../../../src/sip/parser/index.js';
import { parseRequest, parseResponse, wire } from '../message/fixtures.js';

const requestLines = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Content-Length: 0',
];
const responseLines = ['SIP/2.0 200 OK', ...requestLines.slice(1)];

/** The lines without the header named `name`, and with `extra` added. */
function edit(lines: string[], without: string[], extra: string[] = []): string[] {
  return [...lines.filter((l) => !without.some((name) => l.startsWith(`${name}:`))), ...extra];
}

describe('sanity checks count the mandatory and single-valued headers in one pass', () => {
  it('a sane request and response pass', () => {
    expect(checkRequest(parseRequest(wire(requestLines)))).toBeUndefined();
    expect(checkResponse(parseResponse(wire(responseLines)))).toBeUndefined();
  });

  it('names the first mandatory header missing, in the order Via, From, To, Call-ID, CSeq', () => {
    const request = (without: string[]) => checkRequest(parseRequest(wire(edit(requestLines, without))));
    expect(request(['Via', 'CSeq'])).toEqual({ status: 400, reason: 'Missing via header' });
    expect(request(['To', 'Call-ID'])).toEqual({ status: 400, reason: 'Missing to header' });
    expect(request(['CSeq'])).toEqual({ status: 400, reason: 'Missing cseq header' });
    const response = (without: string[]) => checkResponse(parseResponse(wire(edit(responseLines, without))));
    expect(response(['From', 'CSeq'])).toBe('missing from');
    expect(response(['Call-ID'])).toBe('missing call-id');
  });

  it('a missing header is reported before a repeated one; repeats in the order of the list', () => {
    const lines = edit(requestLines, ['Call-ID'], ['Max-Forwards: 69', 'CSeq: 1 INVITE']);
    expect(checkRequest(parseRequest(wire(lines)))?.reason).toBe('Missing call-id header');
    const repeated = edit(
      requestLines,
      [],
      ['Max-Forwards: 69', 'CSeq: 1 INVITE', 'Expires: 1', 'Expires: 2'],
    );
    expect(checkRequest(parseRequest(wire(repeated)))?.reason).toBe('Multiple cseq headers');
    const response = edit(responseLines, [], ['Content-Type: a/b', 'c: a/c']);
    expect(checkResponse(parseResponse(wire(response)))).toBe('multiple content-type');
  });

  it('counts compact forms as their full names, and list headers may repeat', () => {
    const lines = edit(
      requestLines,
      ['From'],
      ['f: <sip:a@example.com>;tag=1', 'v: SIP/2.0/UDP h;branch=z9hG4bK2'],
    );
    expect(checkRequest(parseRequest(wire(lines)))).toBeUndefined();
    const twice = [...lines, 'f: <sip:b@example.com>;tag=2'];
    expect(checkRequest(parseRequest(wire(twice)))?.reason).toBe('Multiple from headers');
  });
});
