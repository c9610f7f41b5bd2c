import { describe, expect, it } from 'vitest';
import { parseUri } from '../../../src/sip/message/index.js';
import { hasLooped, loopKey, prepareCopy, statelessBranch } from '../../../src/sip/proxy/index.js';
import { FakeStack, invite } from './fakes.js';

const stack = new FakeStack();
const outbound = { protocol: 'udp' as const, address: '192.0.2.30', port: 5060 };
const ours = (via: { host: string }) => via.host === '192.0.2.10';

describe('loop detection (RFC 3261 §16.3 item 4, §16.6 item 8)', () => {
  it('keys a request by what identifies it as received, not by what forwarding changes', () => {
    const a = invite();
    const b = invite().set('max-forwards', '12');
    expect(loopKey(a, a.topVia)).toBe(loopKey(b, b.topVia));
    expect(loopKey(a, a.topVia)).toMatch(/^[0-9a-f]{8}$/);
    const retargeted = invite();
    retargeted.uri = parseUri('sip:bob@192.0.2.20');
    expect(loopKey(retargeted, retargeted.topVia)).not.toBe(loopKey(a, a.topVia));
  });

  it('puts the key into the branches it forwards with, stateful and stateless alike', () => {
    const req = invite();
    const key = loopKey(req, req.topVia);
    const copy = prepareCopy(req, req.uri, stack, outbound, { recordRoute: false });
    expect(copy.topVia!.branch).toMatch(new RegExp(`^z9hG4bK${key}\\.`));
    expect(statelessBranch(req)).toMatch(new RegExp(`^z9hG4bK${key}\\.[0-9a-f]{16}$`));
  });

  it('finds our Via with the key of the request as it is now: a loop; another key: a spiral', () => {
    const req = invite();
    const copy = prepareCopy(req, req.uri, stack, outbound, { recordRoute: false });
    copy.prepend('Via', 'SIP/2.0/UDP 192.0.2.30;branch=z9hG4bKpeer');
    expect(hasLooped(copy, ours)).toBe(true);
    copy.uri = parseUri('sip:bob@192.0.2.20');
    expect(hasLooped(copy, ours)).toBe(false);
    expect(hasLooped(invite(), ours)).toBe(false);
  });
});
