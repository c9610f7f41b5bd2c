import type { SipRequest, SipResponse } from '../../../../src/sip/message/index.js';
import { parseMessage } from '../../../../src/sip/parser/index.js';

/** A phone behind NAT: private 192.168.1.20:5060 inside, 203.0.113.9:40312 as the node sees it. */
export const natSource = { protocol: 'udp' as const, address: '203.0.113.9', port: 40312 };

export const privateSdp = [
  'v=0',
  'o=alice 1 1 IN IP4 192.168.1.20',
  's=-',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'm=audio 20000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  'm=video 20002 RTP/AVP 96',
  'c=IN IP4 10.1.2.3',
  '',
].join('\r\n');

export interface InviteOptions {
  via?: string;
  contact?: string;
  sdp?: string;
  extraVia?: string;
  uri?: string;
  toTag?: string;
}

export function invite(o: InviteOptions = {}): SipRequest {
  const body = o.sdp ?? '';
  const lines = [
    `INVITE ${o.uri ?? 'sip:bob@example.com'} SIP/2.0`,
    `Via: SIP/2.0/UDP ${o.via ?? '192.168.1.20:5060'};branch=z9hG4bK-a;rport`,
    ...(o.extraVia ? [`Via: ${o.extraVia}`] : []),
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a',
    `To: <sip:bob@example.com>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    'Call-ID: c1',
    'CSeq: 1 INVITE',
    `Contact: ${o.contact ?? '<sip:alice@192.168.1.20:5060>'}`,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return parseMessage(Buffer.from(lines.join('\r\n'), 'latin1')) as SipRequest;
}

export function ok(contact: string, sdp = ''): SipResponse {
  const lines = [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-b',
    'From: <sip:alice@example.com>;tag=a',
    'To: <sip:bob@example.com>;tag=b',
    'Call-ID: c1',
    'CSeq: 1 INVITE',
    `Contact: ${contact}`,
    ...(sdp ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ];
  return parseMessage(Buffer.from(lines.join('\r\n'), 'latin1')) as SipResponse;
}
