import { parse } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import {
  buildSrsAnswer,
  offeredStreams,
  SdpNegotiationError,
} from '../../../../src/recording/siprec/index.js';

const SUPPORTED = ['PCMU', 'PCMA', 'G722', 'OPUS', 'TELEPHONE-EVENT'];
const options = {
  address: '192.0.2.10',
  ports: [30000, 30002, 30004],
  supported: SUPPORTED,
  sessionId: '42',
};

function offer(...media: string[][]): string {
  return [
    'v=0',
    'o=SRC 2890844526 2890844526 IN IP4 198.51.100.1',
    's=-',
    'c=IN IP4 198.51.100.1',
    't=0 0',
    ...media.flat(),
    '',
  ].join('\r\n');
}

const audio = (port: number, label: string | undefined, dir: string, pts = '0 8 101') => [
  `m=audio ${port} RTP/AVP ${pts}`,
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  ...(label === undefined ? [] : [`a=label:${label}`]),
  `a=${dir}`,
];

describe('buildSrsAnswer', () => {
  it('answers two sendonly streams recvonly, labels echoed, codecs and fmtp kept with their PTs', () => {
    const { sdp, streams } = buildSrsAnswer(
      offer(audio(4000, '1', 'sendonly'), audio(4002, '2', 'sendonly')),
      options,
    );
    const a = parse(sdp);
    expect(a.origin?.sessionId).toBe(42);
    expect(a.connection?.ip).toBe('192.0.2.10');
    expect(a.media.map((m) => [m.port, m.direction, String(m.label), m.payloads])).toEqual([
      [30000, 'recvonly', '1', '0 8 101'],
      [30002, 'recvonly', '2', '0 8 101'],
    ]);
    expect(a.media[0]!.fmtp).toEqual([{ payload: 101, config: '0-16' }]);
    expect(sdp).toContain('a=rtpmap:101 telephone-event/8000');
    expect(streams[0]).toEqual({
      index: 0,
      label: '1',
      labelSynthesized: false,
      port: 30000,
      payloadTypes: {
        0: { encoding: 'PCMU', clockRate: 8000, channels: 1 },
        8: { encoding: 'PCMA', clockRate: 8000, channels: 1 },
        101: { encoding: 'TELEPHONE-EVENT', clockRate: 8000, channels: 1 },
      },
      direction: 'recvonly',
      offeredDirection: 'sendonly',
    });
  });

  it('sendrecv → recvonly; inactive and recvonly (hold) → inactive', () => {
    const { streams } = buildSrsAnswer(
      offer(audio(4000, 'a', 'sendrecv'), audio(4002, 'b', 'inactive'), audio(4004, 'c', 'recvonly')),
      options,
    );
    expect(streams.map((s) => [s.label, s.direction])).toEqual([
      ['a', 'recvonly'],
      ['b', 'inactive'],
      ['c', 'inactive'],
    ]);
  });

  it('a session-level direction applies when the m= line has none', () => {
    const sdp = offer(['a=sendonly'], audio(4000, '1', 'sendonly').slice(0, -1));
    expect(offeredStreams(sdp)[0]!.direction).toBe('sendonly');
    expect(buildSrsAnswer(sdp, options).streams[0]!.direction).toBe('recvonly');
  });

  it('drops unsupported codecs; rejects a line with no usable codec and a video line with port 0', () => {
    const { sdp, streams } = buildSrsAnswer(
      offer(
        ['m=audio 4000 RTP/AVP 18 0', 'a=rtpmap:18 G729/8000', 'a=label:1', 'a=sendonly'],
        [
          'm=audio 4002 RTP/AVP 18 101',
          'a=rtpmap:18 G729/8000',
          'a=rtpmap:101 telephone-event/8000',
          'a=label:2',
          'a=sendonly',
        ],
        ['m=video 4004 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=label:3', 'a=sendonly'],
      ),
      options,
    );
    const a = parse(sdp);
    expect(a.media.map((m) => [m.type, m.port, String(m.payloads)])).toEqual([
      ['audio', 30000, '0'],
      ['audio', 0, '18'],
      ['video', 0, '96'],
    ]);
    expect(streams[1]!.rejected).toBe('no supported codec among G729, TELEPHONE-EVENT');
    expect(streams[2]!.rejected).toBe('video stream not recorded');
  });

  it('static payload types without rtpmap are understood; opus keeps its channels and fmtp', () => {
    const { streams, sdp } = buildSrsAnswer(
      offer([
        'm=audio 4000 RTP/AVP 111 9',
        'a=rtpmap:111 opus/48000/2',
        'a=fmtp:111 useinbandfec=1',
        'a=sendonly',
      ]),
      options,
    );
    expect(streams[0]!.payloadTypes).toEqual({
      111: { encoding: 'OPUS', clockRate: 48000, channels: 2 },
      9: { encoding: 'G722', clockRate: 8000, channels: 1 },
    });
    expect(sdp).toContain('a=rtpmap:111 opus/48000/2');
    expect(sdp).toContain('a=fmtp:111 useinbandfec=1');
  });

  it('missing labels are synthesized positionally and not written to the SDP; labels keep leading zeros', () => {
    const { sdp, streams } = buildSrsAnswer(
      offer(audio(4000, undefined, 'sendonly'), audio(4002, '01', 'sendonly')),
      options,
    );
    expect(streams.map((s) => [s.label, s.labelSynthesized])).toEqual([
      ['m0', true],
      ['01', false],
    ]);
    expect(sdp.match(/a=label:.*/g)).toEqual(['a=label:01']);
  });

  it('throws SdpNegotiationError when nothing can be recorded', () => {
    expect(() =>
      buildSrsAnswer(offer(['m=audio 4000 RTP/AVP 18', 'a=rtpmap:18 G729/8000']), options),
    ).toThrow(SdpNegotiationError);
    expect(() => buildSrsAnswer(offer(['m=audio 4000 RTP/SAVP 0', 'a=sendonly']), options)).toThrow(
      /profile RTP\/SAVP not supported/,
    );
    expect(() => buildSrsAnswer(offer(), options)).toThrow(SdpNegotiationError);
    expect(() => buildSrsAnswer('garbage', options)).toThrow(SdpNegotiationError);
  });

  it('telephone-event alone is not a usable codec', () => {
    expect(() =>
      buildSrsAnswer(
        offer(['m=audio 4000 RTP/AVP 101', 'a=rtpmap:101 telephone-event/8000', 'a=sendonly']),
        options,
      ),
    ).toThrow(/no supported codec among TELEPHONE-EVENT/);
  });

  it('writes an IPv6 address with IP6', () => {
    const { sdp } = buildSrsAnswer(offer(audio(4000, '1', 'sendonly')), {
      ...options,
      address: '2001:db8::10',
    });
    expect(sdp).toContain('c=IN IP6 2001:db8::10');
  });
});

describe('offeredStreams', () => {
  it('shows a hold in a re-INVITE as a direction change', () => {
    const before = offeredStreams(offer(audio(4000, '1', 'sendonly'), audio(4002, '2', 'sendonly')));
    const after = offeredStreams(offer(audio(4000, '1', 'inactive'), audio(4002, '2', 'sendonly')));
    expect(before.map((s) => s.direction)).toEqual(['sendonly', 'sendonly']);
    expect(after.map((s) => [s.label, s.direction])).toEqual([
      ['1', 'inactive'],
      ['2', 'sendonly'],
    ]);
    expect(after[0]!.codecs.map((c) => c.encoding)).toEqual(['PCMU', 'PCMA', 'TELEPHONE-EVENT']);
  });
});
