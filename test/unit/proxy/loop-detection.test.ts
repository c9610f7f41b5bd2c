import { describe, expect, it } from 'vitest';
import { parseUri } from '../../../src/sip/message/index.js';
import {
  hasLooped,
  loopKey,
  prepareCopy,
  statelessBranch,
  statelessKey,
} from '../../../src/sip/proxy/index.js';
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

  it('detects a loop and lets a spiral through across two hops of ours', () => {
    // We forward the INVITE, a peer sends it back to us unchanged: a loop (§16.3 item 4).
    const req = invite();
    const first = prepareCopy(req, req.uri, stack, outbound, { recordRoute: false });
    first.prepend('Via', 'SIP/2.0/UDP 192.0.2.30;branch=z9hG4bKpeer1');
    const second = prepareCopy(first, first.uri, stack, outbound, { recordRoute: false });
    second.prepend('Via', 'SIP/2.0/UDP 192.0.2.31;branch=z9hG4bKpeer2');
    expect(hasLooped(second, ours)).toBe(true);
    // The peer retargeted it (a new Request-URI): a spiral at every Via of ours.
    second.uri = parseUri('sip:carol@192.0.2.40');
    expect(hasLooped(second, ours)).toBe(false);
  });
});

describe('stateless branches (RFC 3261 §16.11)', () => {
  it('are the same for a retransmission and for the CANCEL of the INVITE', () => {
    const branch = statelessBranch(invite());
    expect(statelessBranch(invite())).toBe(branch);
    const cancel = invite();
    cancel.method = 'CANCEL';
    cancel.set('cseq', '1 CANCEL');
    expect(statelessBranch(cancel)).toBe(branch);
  });

  it('differ when anything identifying the transaction differs', () => {
    const base = statelessKey(invite(), invite().topVia);
    const variants = [
      invite().set('via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKuac2'),
      invite().set('call-id', 'call-2@192.0.2.1'),
      invite().set('cseq', '2 INVITE'),
      invite().set('from', '<sip:alice@example.com>;tag=a2'),
      invite().set('to', '<sip:bob@example.com>;tag=b1'),
    ];
    const keys = variants.map((r) => statelessKey(r, r.topVia));
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set([base, ...keys]).size).toBe(keys.length + 1);
  });

  it('spread over 64 bits: no repeat among 20,000 transactions that differ in one digit of the branch', () => {
    const req = invite();
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      req.set('via', `SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK${i}`);
      const key = statelessKey(req, req.topVia);
      seen.add(key.slice(0, 8)).add(`-${key.slice(8)}`);
    }
    // Each 32-bit half alone: a few birthday collisions at most (expected 0.05 per half).
    expect(seen.size).toBeGreaterThan(2 * 20_000 - 3);
  });
});
