import { describe, expect, it } from 'vitest';
import { rewriteSdp, sdpStreams } from '../../../../src/media/relay/index.js';

const OFFER = [
  'v=0',
  'o=alice 2890844526 2890844527 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 96 101',
  'c=IN IP4 192.0.2.11',
  'a=rtpmap:96 opus/48000/2',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:96 useinbandfec=1',
  'a=fmtp:101 0-16',
  'a=rtcp:49300 IN IP4 192.0.2.12',
  'a=rtcp-mux',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:0123456789012345678901',
  'a=candidate:1 1 UDP 2130706431 192.0.2.11 49170 typ host',
  'a=sendrecv',
  'm=video 0 RTP/AVP 31',
  '',
].join('\r\n');

describe('SDP as the relay reads it', () => {
  it('takes each m= address (media-level c= first), RTP port, a=rtcp, clock rates and events', () => {
    const [audio, video] = sdpStreams(OFFER);
    expect(audio).toEqual({
      rtp: { address: '192.0.2.11', port: 49170 },
      rtcp: { address: '192.0.2.12', port: 49300 },
      clockRates: { 0: 8000, 8: 8000, 96: 48000, 101: 8000 },
      eventPayloads: [101],
      disabled: false,
      profile: 'RTP/AVP',
      crypto: [],
      ice: { ufrag: 'abcd', pwd: '0123456789012345678901' },
    });
    expect(video).toMatchObject({ disabled: true });
    expect(video!.rtp).toBeUndefined();
  });

  it('RTCP defaults to RTP port + 1; a zero address (old-style hold) has no destination', () => {
    const [s] = sdpStreams(
      'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
    );
    expect(s!.rtp).toBeUndefined();
    const [t] = sdpStreams(
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
    );
    expect(t!.rtcp).toEqual({ address: '192.0.2.1', port: 4001 });
  });

  it('an SDP without m= is refused', () => {
    expect(() => sdpStreams('v=0\r\n')).toThrow(/no m= line/);
  });
});

describe('SDP rewritten for the other side', () => {
  const out = rewriteSdp(OFFER, {
    address: '203.0.113.5',
    ports: [30000, 30002],
    codecs: { strip: ['opus'], ptime: 20 },
    direction: 'sendonly',
  });
  const lines = out.split('\r\n');

  it("names the relay's address in o= and c= (session level only) and its ports in m= and a=rtcp", () => {
    expect(lines).toContain('o=alice 2890844526 2890844527 IN IP4 203.0.113.5');
    expect(lines.filter((l) => l.startsWith('c='))).toEqual(['c=IN IP4 203.0.113.5']);
    expect(lines).toContain('m=audio 30000 RTP/AVP 0 8 101');
    expect(lines).toContain('a=rtcp:30001 IN IP4 203.0.113.5');
    expect(out).not.toContain('192.0.2.');
  });

  it('keeps a disabled m= at port 0', () => {
    expect(lines).toContain('m=video 0 RTP/AVP 31');
  });

  it('removes ICE and rtcp-mux, strips the codec with its rtpmap and fmtp, sets ptime and direction', () => {
    expect(out).not.toMatch(/ice-|candidate|rtcp-mux|opus|a=fmtp:96/);
    expect(lines).toContain('a=fmtp:101 0-16');
    expect(lines).toContain('a=ptime:20');
    expect(lines).toContain('a=sendonly');
    expect(lines).not.toContain('a=sendrecv');
  });

  it('a policy that would leave no codec but telephone-event keeps the offered list', () => {
    const kept = rewriteSdp(OFFER, {
      address: '203.0.113.5',
      ports: [30000, 0],
      codecs: { allow: ['G729'] },
    });
    expect(kept).toContain('m=audio 30000 RTP/AVP 0 8 96 101');
  });
});
