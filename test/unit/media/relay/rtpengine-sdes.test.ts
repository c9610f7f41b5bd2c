import { describe, expect, it } from 'vitest';
import type { NgClient, OfferParams } from '../../../../src/media/ng/index.js';
import { RtpengineMediaRelay } from '../../../../src/media/relay/rtpengine/index.js';

const PLAIN = 'v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n';
const SAVP =
  'v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/SAVP 0\r\n' +
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n';

/** An ng client that keeps the dictionaries the relay sends and answers with the SDP it got. */
function relay(): { sent: OfferParams[]; relay: RtpengineMediaRelay } {
  const sent: OfferParams[] = [];
  const reply = async (params: OfferParams) => {
    sent.push(params);
    return { sdp: params.sdp, response: {} };
  };
  const ng = { offer: reply, answer: reply } as unknown as NgClient;
  return { sent, relay: new RtpengineMediaRelay(ng, { ownsClient: false }) };
}

describe('rtpengine backend: SDES suites', () => {
  it('keeps rtpengine to AES_CM_128_HMAC_SHA1_80 and _32 wherever SDES is in play (no GCM, no null cipher)', async () => {
    const { sent, relay: r } = relay();
    await r.offer({ callId: 'c', fromTag: 'a', sdp: PLAIN, transport: 'RTP/SAVP' });
    await r.offer({ callId: 'c', fromTag: 'a', sdp: SAVP, transport: 'RTP/AVP' });
    await r.answer({ callId: 'c', fromTag: 'a', toTag: 'b', sdp: SAVP });
    for (const params of sent) {
      const sdes = params.extra?.['SDES'] as string[];
      expect(sdes).toContain('no-AEAD_AES_256_GCM');
      expect(sdes).toContain('no-NULL_HMAC_SHA1_80');
      expect(sdes.some((flag) => flag.includes('AES_CM_128'))).toBe(false);
    }
    expect(sent[0]?.extra?.['transport-protocol']).toBe('RTP/SAVP');
    expect(sent[1]?.extra?.['transport-protocol']).toBe('RTP/AVP');
  });

  it('sends no SDES key for plain RTP on both sides', async () => {
    const { sent, relay: r } = relay();
    await r.offer({ callId: 'c', fromTag: 'a', sdp: PLAIN });
    await r.answer({ callId: 'c', fromTag: 'a', toTag: 'b', sdp: PLAIN, transport: 'RTP/AVP' });
    for (const params of sent) expect(params.extra?.['SDES']).toBeUndefined();
  });
});
