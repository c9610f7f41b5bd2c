import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip/parser/index.js';

const INVITE = Buffer.from(
  'INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKob1\r\nMax-Forwards: 70\r\n' +
    'From: <sip:alice@192.0.2.1>;tag=1\r\nTo: <sip:bob@192.0.2.2>\r\nCall-ID: ob1\r\nCSeq: 1 INVITE\r\n' +
    'Contact: <sip:alice@192.0.2.1>\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n',
  'latin1',
);

/** The datagram as the native receiver hands it on: a view into its batch's buffer. */
function inBatch(batchBytes: number, offset: number): Buffer {
  const batch = Buffer.alloc(batchBytes, 0x41);
  INVITE.copy(batch, offset);
  return batch.subarray(offset, offset + INVITE.length);
}

describe('parseMessage: what a parsed message keeps alive', () => {
  it('copies a datagram out of a large receive batch: its bytes and body pin no more than themselves', () => {
    const m = parseMessage(inBatch(1024 * 1024, 300_000));
    expect(m.toBuffer().equals(INVITE)).toBe(true);
    expect(m.toBuffer().buffer.byteLength).toBe(INVITE.length);
    expect(m.body.toString('latin1')).toBe('v=0\n');
    expect(m.body.buffer.byteLength).toBe(INVITE.length);
  });

  it('keeps a view when its buffer is the datagram or a small batch (no copy on the usual path)', () => {
    const alone = Buffer.from(INVITE);
    expect(parseMessage(alone).toBuffer()).toBe(alone);
    const small = inBatch(4 * 1024, 700);
    const m = parseMessage(small);
    expect(m.toBuffer()).toBe(small);
    expect(m.body.buffer).toBe(small.buffer);
  });
});
