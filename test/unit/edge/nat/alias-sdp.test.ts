import { describe, expect, it } from 'vitest';
import { addContactAlias, aliasTarget, repairSdp, sdpAddresses } from '../../../../src/edge/nat/index.js';
import { parseUri } from '../../../../src/sip/message/index.js';
import { invite, natSource, ok, privateSdp } from './messages.js';

describe('contact aliasing (add_contact_alias, handle_ruri_alias)', () => {
  it('adds the source as alias to a NATed Contact, and reads it back as the destination', () => {
    const request = invite({ contact: '"Alice" <sip:alice@192.168.1.20:5060;transport=udp>;expires=60' });
    expect(addContactAlias(request, natSource)).toBe(true);
    expect(request.get('contact')).toBe(
      '"Alice" <sip:alice@192.168.1.20:5060;transport=udp;alias=203.0.113.9~40312~1>;expires=60',
    );
    const contact = request.contacts;
    expect(Array.isArray(contact)).toBe(true);
    const alias = aliasTarget(Array.isArray(contact) ? contact[0]!.uri : parseUri('sip:x'));
    expect(alias?.target).toEqual(natSource);
    expect(alias?.uri.toString()).toBe('sip:alice@192.168.1.20:5060;transport=udp');
  });

  it('leaves a Contact alone that already says where the phone is, or already has an alias', () => {
    const direct = invite({ contact: '<sip:alice@203.0.113.9:40312>' });
    expect(addContactAlias(direct, natSource)).toBe(false);
    const aliased = invite({ contact: '<sip:alice@192.168.1.20;alias=198.51.100.1~5060~1>' });
    expect(addContactAlias(aliased, natSource)).toBe(false);
    expect(aliased.get('contact')).toBe('<sip:alice@192.168.1.20;alias=198.51.100.1~5060~1>');
    expect(addContactAlias(invite({ contact: '<sip:alice@192.168.1.20' }), natSource)).toBe(false);
  });

  it('aliases a response Contact (a NATed callee answering) and names TCP and IPv6 sources', () => {
    const response = ok('<sip:bob@10.0.0.7:5062>');
    expect(addContactAlias(response, { protocol: 'tcp', address: '2001:db8::9', port: 50123 })).toBe(true);
    const uri = parseUri('sip:bob@10.0.0.7:5062;alias=[2001:db8::9]~50123~2');
    expect(response.get('contact')).toBe(`<${uri.toString()}>`);
    expect(aliasTarget(uri)?.target).toEqual({ protocol: 'tcp', address: '2001:db8::9', port: 50123 });
  });

  it('ignores malformed aliases instead of following them', () => {
    for (const bad of [
      'host.example~5060~1',
      '1.2.3.4~70000~1',
      '1.2.3.4~5060~9',
      '1.2.3.4~0~1',
      '1.2.3.4',
      '999.1.1.1~5060~1',
    ]) {
      expect(aliasTarget(parseUri(`sip:a@10.0.0.1;alias=${bad}`)), bad).toBeUndefined();
    }
    expect(aliasTarget(parseUri('sip:a@10.0.0.1'))).toBeUndefined();
    expect(aliasTarget(parseUri('tel:+14155550100'))).toBeUndefined();
  });
});

describe('SDP repair (fix_nated_sdp)', () => {
  it('rewrites private c= and o= addresses to the source, keeping the rest byte for byte', () => {
    const request = invite({ sdp: privateSdp });
    expect(sdpAddresses(request)).toEqual(['192.168.1.20', '10.1.2.3']);
    expect(repairSdp(request, '203.0.113.9')).toBe(true);
    const expected = privateSdp.replaceAll('192.168.1.20', '203.0.113.9').replace('10.1.2.3', '203.0.113.9');
    expect(request.body.toString('latin1')).toBe(expected);
    expect(request.get('content-length')).toBe(String(Buffer.byteLength(expected)));
  });

  it('leaves public addresses, held streams (0.0.0.0) and bodies that are not SDP alone', () => {
    const held = privateSdp
      .replace('c=IN IP4 192.168.1.20', 'c=IN IP4 0.0.0.0')
      .replace('o=alice 1 1 IN IP4 192.168.1.20', 'o=alice 1 1 IN IP4 198.51.100.4');
    const request = invite({ sdp: held });
    expect(repairSdp(request, '203.0.113.9')).toBe(true);
    const body = request.body.toString('latin1');
    expect(body).toContain('c=IN IP4 0.0.0.0\r\n');
    expect(body).toContain('o=alice 1 1 IN IP4 198.51.100.4\r\n');
    expect(body).toContain('c=IN IP4 203.0.113.9\r\n');
    const publicOnly = invite({ sdp: 'v=0\r\nc=IN IP4 198.51.100.4\r\n' });
    expect(repairSdp(publicOnly, '203.0.113.9')).toBe(false);
    expect(repairSdp(invite(), '203.0.113.9')).toBe(false);
  });

  it('writes an IPv6 source as IP6', () => {
    const response = ok('<sip:bob@10.0.0.7>', 'v=0\r\nc=IN IP4 10.0.0.7\r\nm=audio 4000 RTP/AVP 0\r\n');
    expect(repairSdp(response, '2001:db8::9')).toBe(true);
    expect(response.body.toString()).toBe('v=0\r\nc=IN IP6 2001:db8::9\r\nm=audio 4000 RTP/AVP 0\r\n');
  });
});
