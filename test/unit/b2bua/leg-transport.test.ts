import { describe, expect, it } from 'vitest';
import { legTransport } from '../../../src/b2bua/leg-transport.js';

describe('the transport of each B2BUA leg on the relay', () => {
  it('gives a WebRTC caller a plain RTP/AVP callee leg, and WebRTC again on offers back to it', () => {
    expect(legTransport(true, 'UDP/TLS/RTP/SAVPF')).toBe('RTP/AVP');
    expect(legTransport(false, 'UDP/TLS/RTP/SAVPF')).toBe('UDP/TLS/RTP/SAVPF');
    expect(legTransport(false, 'UDP/TLS/RTP/SAVP')).toBe('UDP/TLS/RTP/SAVPF');
  });

  it('terminates an SDES caller at the relay: the callee leg is plain RTP/AVP, offers back RTP/SAVP', () => {
    expect(legTransport(true, 'RTP/SAVP')).toBe('RTP/AVP');
    expect(legTransport(true, 'RTP/SAVP', 'off')).toBe('RTP/AVP');
    expect(legTransport(false, 'RTP/SAVP')).toBe('RTP/SAVP');
  });

  it('gives a callee whose side asks for SDES RTP/SAVP, whatever the caller speaks; the caller keeps its own', () => {
    for (const caller of ['RTP/AVP', 'RTP/SAVP', 'UDP/TLS/RTP/SAVPF'] as const) {
      expect(legTransport(true, caller, 'sdes')).toBe('RTP/SAVP');
      expect(legTransport(false, caller, 'sdes')).toBe(caller);
    }
  });

  it('keeps a plain caller plain both ways by default', () => {
    expect(legTransport(true, 'RTP/AVP')).toBe('RTP/AVP');
    expect(legTransport(false, 'RTP/AVP')).toBe('RTP/AVP');
  });

  it('leaves profiles it does not know, and an unknown caller, as offered', () => {
    for (const profile of ['udptl', 'RTP/AVPF', 'RTP/SAVPF', 'TCP/RTP/AVP', '', undefined]) {
      for (const srtp of [undefined, 'sdes', 'off'] as const) {
        expect(legTransport(true, profile, srtp)).toBeUndefined();
        expect(legTransport(false, profile, srtp)).toBeUndefined();
      }
    }
  });
});
