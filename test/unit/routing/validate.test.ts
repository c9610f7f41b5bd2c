import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/routing/index.js';
import { Validate } from '../../../src/routing/stages/validate.js';
import { parseUri, type SipRequest } from '../../../src/sip/message/index.js';
import { prepareCopy } from '../../../src/sip/proxy/index.js';
import { FakeStack, request } from '../proxy/fakes.js';
import { context } from './harness.js';

const stack = new FakeStack();
const stage = new Validate(stack, ['path']);

const options = (uri: string, extra = '') =>
  request(`OPTIONS ${uri} SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKuac1
Max-Forwards: 70
From: <sip:caller@example.net>;tag=242etr
To: <sip:user@example.com>
Call-ID: v1
CSeq: 8 OPTIONS
${extra}Content-Length: 0

`);

const status = (d: Decision) => (d.kind === 'respond' ? d.response.status : d.kind);

describe('the validate stage (RFC 3261 §16.3)', () => {
  it('passes a well-formed request on', () => {
    expect(status(stage.decide(options('sip:user@example.com'), context()))).toBe('continue');
  });

  it('answers 416 for a Request-URI scheme it does not understand (item 2)', () => {
    expect(status(stage.decide(options('mailto:user@example.com'), context()))).toBe(416);
  });

  it('answers 483 for Max-Forwards 0 (item 3), except an OPTIONS for the node itself', () => {
    const zero = options('sip:user@example.com');
    zero.set('max-forwards', '0');
    expect(status(stage.decide(zero, context()))).toBe(483);
    const ping = options('sip:192.0.2.10:5060');
    ping.set('max-forwards', '0');
    expect(status(stage.decide(ping, context()))).toBe('continue');
  });

  it('answers 420 listing the Proxy-Require option tags it does not support (item 5)', () => {
    const req = options('sip:user@example.com', 'Proxy-Require: noProxiesSupportThis, path\n');
    const decision = stage.decide(req, context());
    expect(status(decision)).toBe(420);
    if (decision.kind === 'respond')
      expect(decision.response.get('unsupported')).toBe('noProxiesSupportThis');
    expect(status(stage.decide(options('sip:u@example.com', 'Proxy-Require: PATH\n'), context()))).toBe(
      'continue',
    );
  });

  describe('loop detection (item 4, with the branch of §16.6 item 8)', () => {
    /** What a peer sends back after we forwarded `received` to it: our copy with its own Via on top. */
    function cameBack(received: SipRequest, retarget?: string): SipRequest {
      const outbound = { protocol: 'udp' as const, address: '192.0.2.30', port: 5060 };
      const copy = prepareCopy(received, received.uri, stack, outbound, { recordRoute: false });
      if (retarget) copy.uri = parseUri(retarget);
      copy.prepend('Via', 'SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKpeer1');
      return copy;
    }

    it('answers 482 when the request comes back as we forwarded it', () => {
      const received = options('sip:user@example.com');
      expect(status(stage.decide(cameBack(received), context()))).toBe(482);
    });

    it('lets a spiral through: the request came back retargeted', () => {
      const received = options('sip:user@example.com');
      expect(status(stage.decide(cameBack(received, 'sip:other@example.com'), context()))).toBe('continue');
    });

    it('ignores Vias of other elements with a branch shaped like ours', () => {
      const req = options('sip:user@example.com');
      req.prepend('Via', 'SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bK01234567.abc');
      expect(status(stage.decide(req, context()))).toBe('continue');
    });
  });
});
