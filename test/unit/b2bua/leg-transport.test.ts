import { describe, expect, it } from 'vitest';
import { legTransport } from '../../../src/b2bua/call-media.js';

describe('the transport of each B2BUA leg on the relay', () => {
  it('gives a WebRTC caller a plain RTP/AVP callee leg, and WebRTC again on offers back to it', () => {
    expect(legTransport(true, 'UDP/TLS/RTP/SAVPF')).toBe('RTP/AVP');
    expect(legTransport(false, 'UDP/TLS/RTP/SAVPF')).toBe('UDP/TLS/RTP/SAVPF');
  });

  it('leaves plain and SDES callers as offered', () => {
    for (const profile of ['RTP/AVP', 'RTP/SAVP', undefined]) {
      expect(legTransport(true, profile)).toBeUndefined();
      expect(legTransport(false, profile)).toBeUndefined();
    }
  });
});
