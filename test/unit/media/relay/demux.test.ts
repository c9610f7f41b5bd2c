import { describe, expect, it } from 'vitest';
import { demultiplex, wellFormedDtls } from '../../../../src/media/relay/builtin/demux.js';

describe('demultiplexing one WebRTC port (RFC 7983 §7, RFC 5761 §4)', () => {
  it('tells STUN, DTLS, RTP and RTCP apart by the first bytes', () => {
    expect(demultiplex(Buffer.from([0x00, 0x01]))).toBe('stun');
    expect(demultiplex(Buffer.from([0x03, 0x01]))).toBe('stun');
    expect(demultiplex(Buffer.from([22, 0xfe]))).toBe('dtls');
    expect(demultiplex(Buffer.from([63, 0]))).toBe('dtls');
    expect(demultiplex(Buffer.from([0x80, 0]))).toBe('rtp'); // PCMU
    expect(demultiplex(Buffer.from([0x80, 111 | 0x80]))).toBe('rtp'); // Opus with marker
    expect(demultiplex(Buffer.from([0x80, 200]))).toBe('rtcp'); // SR
    expect(demultiplex(Buffer.from([0x81, 201]))).toBe('rtcp'); // RR
    expect(demultiplex(Buffer.from([0x80, 223]))).toBe('rtcp');
    expect(demultiplex(Buffer.from([0x80, 224]))).toBe('rtp');
  });

  it('answers unknown for what no protocol here starts with, and for empty datagrams', () => {
    for (const first of [4, 19, 64, 127, 192, 255])
      expect(demultiplex(Buffer.from([first, 0]))).toBe('unknown');
    expect(demultiplex(Buffer.alloc(0))).toBe('unknown');
    expect(demultiplex(Buffer.from([0x80]))).toBe('unknown');
  });

  it('takes only whole DTLS records (type 20–23, DTLS 1.0/1.2, lengths adding up)', () => {
    const record = (type: number, body: number) => {
      const b = Buffer.alloc(13 + body);
      b[0] = type;
      b.writeUInt16BE(0xfefd, 1);
      b.writeUInt16BE(body, 11);
      return b;
    };
    expect(wellFormedDtls(record(22, 40))).toBe(true);
    expect(wellFormedDtls(Buffer.concat([record(22, 10), record(20, 1), record(23, 30)]))).toBe(true);
    expect(wellFormedDtls(record(22, 40).subarray(0, 30))).toBe(false);
    expect(wellFormedDtls(record(24, 4))).toBe(false);
    expect(wellFormedDtls(Buffer.from([23, 1, 2, 3, 4, 5]))).toBe(false);
    const oldVersion = record(22, 4);
    oldVersion.writeUInt16BE(0x0303, 1); // TLS 1.2, not DTLS
    expect(wellFormedDtls(oldVersion)).toBe(false);
  });
});
