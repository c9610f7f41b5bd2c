import { describe, expect, it } from 'vitest';
import {
  applyCodecPolicy,
  ngCodecOptions,
  offeredEncodings,
  setSdpDirection,
} from '../../../../src/media/relay/index.js';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=sendrecv\r\n' +
  'm=audio 4000 RTP/AVP 0 8 9 96 101\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n' +
  'a=fmtp:101 0-15\r\n';

const names = (list: { encoding: string }[]) => list.map((p) => p.encoding);

describe('codec policy', () => {
  const offered = offeredEncodings(SDP);

  it('reads encodings from a=rtpmap and the RFC 3551 static table', () => {
    expect(offered).toEqual([
      { payload: 0, encoding: 'PCMU' },
      { payload: 8, encoding: 'PCMA' },
      { payload: 9, encoding: 'G722' },
      { payload: 96, encoding: 'opus' },
      { payload: 101, encoding: 'telephone-event' },
    ]);
  });

  it('allow keeps only the named encodings (any case) and telephone-event', () => {
    expect(names(applyCodecPolicy(offered, { allow: ['pcma', 'OPUS'] }))).toEqual([
      'PCMA',
      'opus',
      'telephone-event',
    ]);
  });

  it('strip removes the named ones but never telephone-event', () => {
    expect(names(applyCodecPolicy(offered, { strip: ['PCMU', 'telephone-event'] }))).toEqual([
      'PCMA',
      'G722',
      'opus',
      'telephone-event',
    ]);
  });

  it('order moves the named ones to the front in its order, the rest keep theirs', () => {
    expect(names(applyCodecPolicy(offered, { order: ['opus', 'PCMA'] }))).toEqual([
      'opus',
      'PCMA',
      'PCMU',
      'G722',
      'telephone-event',
    ]);
  });

  it('allow, strip and order combine; no policy keeps everything', () => {
    expect(
      names(applyCodecPolicy(offered, { allow: ['PCMU', 'PCMA', 'G722'], strip: ['G722'], order: ['PCMA'] })),
    ).toEqual(['PCMA', 'PCMU', 'telephone-event']);
    expect(applyCodecPolicy(offered, undefined)).toEqual(offered);
  });
});

describe("rtpengine's codec options", () => {
  const offered = offeredEncodings(SDP);

  it('a policy that changes the list is strip all + offer in the wanted order', () => {
    expect(ngCodecOptions({ order: ['PCMA'] }, offered)).toEqual({
      strip: ['all'],
      offer: ['PCMA', 'PCMU', 'G722', 'opus', 'telephone-event'],
    });
    expect(ngCodecOptions({ allow: ['PCMA'] }, offered)).toEqual({
      strip: ['all'],
      offer: ['PCMA', 'telephone-event'],
    });
  });

  it('a policy that changes nothing sends no codec options', () => {
    expect(ngCodecOptions({ order: ['PCMU'] }, offered)).toBeUndefined();
    expect(ngCodecOptions({}, offered)).toBeUndefined();
  });
});

describe('setSdpDirection', () => {
  it('puts the direction in every m= section and drops the session-level one', () => {
    const out = setSdpDirection(`${SDP}a=sendrecv\r\n`, 'sendonly');
    expect(out.match(/^a=(sendrecv|sendonly|recvonly|inactive)$/gm)).toEqual(['a=sendonly']);
    expect(out.indexOf('a=sendonly')).toBeGreaterThan(out.indexOf('m=audio'));
    expect(out.split('\r\n').every((line, i, all) => line !== '' || i === all.length - 1)).toBe(true);
  });
});
