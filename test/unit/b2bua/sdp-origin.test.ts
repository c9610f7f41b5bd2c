import { describe, expect, it } from 'vitest';
import { SdpOrigin } from '../../../src/b2bua/sdp-origin.js';
import { SessionMediaRelay } from './fake-media-relay.js';
import { CALLER, callerAck, SDP_B, settle, takenCall } from './harness.js';

const sdp = (origin: string, port = 4000) =>
  `v=0\r\no=${origin}\r\ns=-\r\nc=IN IP4 203.0.113.50\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`;

describe('SdpOrigin: the node as the SDP originator toward a leg (RFC 4566 §5.2, RFC 3264 §8)', () => {
  it("replaces the other side's username and session id, keeps the relay's address", () => {
    const origin = new SdpOrigin();
    const out = origin.stamp(sdp('bob 2654959981 7 IN IP4 203.0.113.50'));
    const line = /^o=(.*)\r$/m.exec(out)?.[1];
    expect(line).toMatch(/^- \d+ 1 IN IP4 203\.0\.113\.50$/);
    expect(out).not.toContain('2654959981');
    expect(out).not.toContain('bob');
  });

  it('keeps the version while the SDP is unchanged and adds one with each change', () => {
    const origin = new SdpOrigin();
    const first = origin.stamp(sdp('a 1 1 IN IP4 203.0.113.50'));
    const same = origin.stamp(sdp('b 9 9 IN IP4 203.0.113.50'));
    const changed = origin.stamp(sdp('a 1 2 IN IP4 203.0.113.50', 4002));
    const version = (s: string) => /^o=- (\d+) (\d+) /m.exec(s)?.slice(1, 3);
    expect(version(first)?.[1]).toBe('1');
    expect(version(same)).toEqual(version(first));
    expect(version(changed)).toEqual([version(first)?.[0], '2']);
  });

  it('leaves SDP without an o= line alone', () => {
    expect(new SdpOrigin().stamp('v=0\r\ns=-\r\n')).toBe('v=0\r\ns=-\r\n');
  });
});

describe('B2BUA call: each leg sees the node as the SDP origin', () => {
  it("neither the caller's nor the callee's o= line crosses, one session id per leg", async () => {
    const relay = new SessionMediaRelay();
    const h = await takenCall({ media: relay });
    const offered = h.relay.invite.body.toString();
    expect(offered).not.toMatch(/^o=alice /m);
    h.relay.respond(200, { body: SDP_B });
    await settle();
    h.core.handleAck(callerAck(h), CALLER);
    const answered = h.aTx.responses.find((r) => r.status === 200)!.body.toString();
    expect(answered).not.toMatch(/^o=bob /m);
    const id = (s: string) => /^o=- (\d+) /m.exec(s)?.[1];
    expect(id(offered)).toBeDefined();
    expect(id(answered)).toBeDefined();
    expect(id(offered)).not.toBe(id(answered));
  });
});
