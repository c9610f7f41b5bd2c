import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isStunBindingRequest,
  readXorMappedAddress,
  stunBindingSuccess,
  UdpTransport,
} from '../../../src/sip/transport/index.js';
import { Recorder, sipMessage } from './helpers.js';

/** RFC 5389 §6: a Binding request with no attributes. */
function bindingRequest(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(b, 8);
  return b;
}

describe('STUN keep-alives on the SIP UDP port (RFC 5626 §3.5.2)', () => {
  it('recognises Binding requests and nothing that is SIP', () => {
    expect(isStunBindingRequest(bindingRequest())).toBe(true);
    expect(isStunBindingRequest(sipMessage('OPTIONS sip:a@b SIP/2.0'))).toBe(false);
    const wrongLength = bindingRequest();
    wrongLength.writeUInt16BE(8, 2);
    expect(isStunBindingRequest(wrongLength)).toBe(false);
    const noCookie = bindingRequest();
    noCookie.writeUInt32BE(0, 4);
    expect(isStunBindingRequest(noCookie)).toBe(false);
  });

  it('encodes XOR-MAPPED-ADDRESS for IPv4 and IPv6 (RFC 5389 §15.2)', () => {
    const request = bindingRequest();
    const v4 = stunBindingSuccess(request, '192.0.2.1', 32853);
    expect(v4.readUInt16BE(0)).toBe(0x0101);
    expect(v4.subarray(8, 20)).toEqual(request.subarray(8, 20));
    expect(readXorMappedAddress(v4)).toEqual({ address: '192.0.2.1', port: 32853 });
    // RFC 5769 §2.2 test vector: 192.0.2.1:32853 → X-Port 0xa147, X-Address 0xe112a643.
    expect(v4.subarray(26, 32).toString('hex')).toBe('a147e112a643');
    const v6 = stunBindingSuccess(request, '2001:db8:1234:5678:11:2233:4455:6677', 32853);
    expect(readXorMappedAddress(v6)).toEqual({
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    });
    expect(readXorMappedAddress(stunBindingSuccess(request, '::1', 5060))).toEqual({
      address: '0:0:0:0:0:0:0:1',
      port: 5060,
    });
  });

  describe('UdpTransport', () => {
    const sockets: dgram.Socket[] = [];
    const transports: UdpTransport[] = [];
    afterEach(async () => {
      for (const s of sockets.splice(0)) s.close();
      await Promise.all(transports.splice(0).map((t) => t.close()));
    });

    it('answers a Binding request with the source address, without handing it to SIP, and counts it', async () => {
      const rec = new Recorder();
      const t = new UdpTransport({ host: '127.0.0.1', port: 0, handlers: rec });
      transports.push(t);
      await t.listen();
      const client = dgram.createSocket('udp4');
      sockets.push(client);
      await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
      const answer = new Promise<Buffer>((resolve) => client.once('message', resolve));
      client.send(bindingRequest(), t.local.port, '127.0.0.1');
      const response = await answer;
      expect(readXorMappedAddress(response)).toEqual({ address: '127.0.0.1', port: client.address().port });
      expect(t.stunAnswered).toBe(1);
      // A STUN response (not a request) is dropped and counted; SIP still flows.
      const notRequest = bindingRequest();
      notRequest.writeUInt16BE(0x0101, 0);
      client.send(notRequest, t.local.port, '127.0.0.1');
      client.send(sipMessage('OPTIONS sip:a@127.0.0.1 SIP/2.0'), t.local.port, '127.0.0.1');
      await rec.until(() => rec.packets.length === 1);
      expect(t.stunDropped).toBe(1);
      expect(rec.packets).toHaveLength(1);
      expect(rec.drops).toHaveLength(0);
    });
  });
});
