import { describe, expect, it } from 'vitest';
import {
  CallPlanner,
  callerStatusFor,
  dispositionFor,
  HeaderPolicy,
  q850ForStatus,
  q850FromReason,
  reasonFor,
} from '../../../src/b2bua/index.js';
import { RoutingContext, TrunkCall } from '../../../src/routing/index.js';
import type { Trunk } from '../../../src/store/index.js';
import { request } from '../ua/fakes.js';

const message = (headers: string) =>
  request(`BYE sip:x@192.0.2.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK1
From: <sip:a@x>;tag=1
To: <sip:b@x>;tag=2
Call-ID: c
CSeq: 2 BYE
${headers}Content-Length: 0

`);

describe('header policy', () => {
  it('passes identity, diversion, privacy and User-to-User, and only the X- headers named', () => {
    const policy = new HeaderPolicy(['X-Account']);
    const picked = policy.pick(
      message(
        'P-Asserted-Identity: <sip:a@x>\nDiversion: <sip:c@x>;reason=busy\nHistory-Info: <sip:b@x>;index=1\nPrivacy: id\nUser-to-User: 56a390f3;encoding=hex\nX-Account: 7\nX-Other: 8\nUser-Agent: Phone\nRecord-Route: <sip:p;lr>\nContact: <sip:a@1.2.3.4>\n',
      ),
    );
    expect(picked.map(([name]) => name.toLowerCase())).toEqual([
      'p-asserted-identity',
      'diversion',
      'history-info',
      'privacy',
      'user-to-user',
      'x-account',
    ]);
  });

  it('X-* passes every X- header', () => {
    const picked = new HeaderPolicy(['X-*']).pick(message('X-A: 1\nX-B: 2\nY-C: 3\n'));
    expect(picked).toEqual([
      ['X-A', '1'],
      ['X-B', '2'],
    ]);
  });
});

describe('status and cause mapping', () => {
  it("keeps the callee's failure, except answers about the B2BUA's own request", () => {
    expect([486, 404, 503, 603, 480].map(callerStatusFor)).toEqual([486, 404, 503, 603, 480]);
    expect([401, 407].map(callerStatusFor)).toEqual([403, 403]);
    expect([302, 301].map(callerStatusFor)).toEqual([480, 480]);
    expect([420, 422, 481, 491].map(callerStatusFor)).toEqual([500, 500, 500, 500]);
  });

  it('maps statuses to Q.850 causes as RFC 3398 does', () => {
    expect(q850ForStatus(200)).toBe(16);
    expect(q850ForStatus(486)).toBe(17);
    expect(q850ForStatus(404)).toBe(1);
    expect(q850ForStatus(480)).toBe(18);
    expect(q850ForStatus(408)).toBe(102);
    expect(q850ForStatus(503)).toBe(41);
    expect(q850ForStatus(487)).toBe(16);
    expect(q850ForStatus(499)).toBe(31);
  });

  it('reads a Q.850 Reason (RFC 3326) and ignores SIP ones and garbage', () => {
    expect(q850FromReason(message('Reason: SIP;cause=200\nReason: Q.850;cause=34;text="No circuit"\n'))).toBe(
      34,
    );
    expect(q850FromReason(message('Reason: SIP;cause=486\n'))).toBeUndefined();
    expect(q850FromReason(message('Reason: Q.850;cause=999\n'))).toBeUndefined();
    expect(q850FromReason(message('Reason: Q.850;;;=\n'))).toBeUndefined();
  });

  it("gives the caller the callee's Q.850 Reason, else a SIP one with the status", () => {
    expect(reasonFor(message('Reason: Q.850;cause=17\n'), 486, 'Busy Here')).toBe('Q.850;cause=17');
    expect(reasonFor(message(''), 486, 'Busy "Here"')).toBe('SIP;cause=486;text="Busy Here"');
  });

  it('names the disposition', () => {
    expect(dispositionFor(true, 200, false)).toBe('answered');
    expect(dispositionFor(false, 487, true)).toBe('cancelled');
    expect(dispositionFor(false, 486, false)).toBe('busy');
    expect(dispositionFor(false, 408, false)).toBe('no-answer');
    expect(dispositionFor(false, 503, false)).toBe('failed');
  });
});

describe('which calls the B2BUA takes', () => {
  const source = { protocol: 'udp' as const, address: '192.0.2.1', port: 5060 };
  it('off takes none, all takes every call, trunks only calls from or to a trunk', () => {
    const plain = new RoutingContext(source, undefined);
    const inbound = new RoutingContext(source, undefined);
    inbound.trunk = { name: 'carrier', codecs: [] } as unknown as Trunk;
    const outbound = new RoutingContext(source, undefined);
    outbound.trunkCall = new TrunkCall('4930123', 'c', []);
    const invite = request(`INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: c
CSeq: 1 INVITE
Contact: <sip:alice@192.0.2.1>
Content-Length: 0

`);
    const takes = (mode: 'off' | 'all' | 'trunks', c: RoutingContext) =>
      new CallPlanner(mode).takes(invite, c, []);
    expect([plain, inbound, outbound].map((c) => takes('off', c))).toEqual([false, false, false]);
    expect([plain, inbound, outbound].map((c) => takes('all', c))).toEqual([true, true, true]);
    expect([plain, inbound, outbound].map((c) => takes('trunks', c))).toEqual([false, true, true]);
  });
});
