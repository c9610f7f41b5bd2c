import { describe, expect, it } from 'vitest';
import { ALWAYS_UP, Dispatcher } from '../../../src/trunks/index.js';
import { gateway } from './fixtures.js';

const gws = [
  gateway('g1', 't', { priority: 1, weight: 1 }),
  gateway('g2', 't', { priority: 0, weight: 3 }),
  gateway('g3', 't', { priority: 2, weight: 0 }),
];
const ids = (list: Array<{ id: string }>) => list.map((g) => g.id);

describe('the gateway dispatcher', () => {
  it('priority: lower priority first, the rest in order for failover', () => {
    expect(ids(new Dispatcher(ALWAYS_UP).order('t', 'priority', gws, 'c'))).toEqual(['g2', 'g1', 'g3']);
  });

  it('round robin: each call starts one further, per trunk', () => {
    const d = new Dispatcher(ALWAYS_UP);
    const firsts = [1, 2, 3, 4].map(() => d.order('t', 'round-robin', gws, 'c')[0]!.id);
    expect(firsts).toEqual(['g2', 'g1', 'g3', 'g2']);
    expect(ids(d.order('t', 'round-robin', gws, 'c'))).toEqual(['g1', 'g3', 'g2']);
    expect(d.order('other', 'round-robin', gws, 'c')[0]!.id).toBe('g2');
  });

  it('hash over Call-ID: the same call always gets the same order; calls spread', () => {
    const d = new Dispatcher(ALWAYS_UP);
    const a = ids(d.order('t', 'hash-call-id', gws, 'call-a@host'));
    expect(ids(d.order('t', 'hash-call-id', gws, 'call-a@host'))).toEqual(a);
    const firsts = new Set(
      Array.from({ length: 60 }, (_, i) => d.order('t', 'hash-call-id', gws, `call-${i}@host`)[0]!.id),
    );
    expect(firsts).toEqual(new Set(['g1', 'g2', 'g3']));
  });

  it('weighted: picks in proportion to weight; weight 0 only as the last reserve', () => {
    let seed = 1;
    // A fixed pseudo-random sequence: the test is repeatable.
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const d = new Dispatcher(ALWAYS_UP, random);
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const order = ids(d.order('t', 'weighted', gws, 'c'));
      expect(order[2]).toBe('g3');
      counts.set(order[0]!, (counts.get(order[0]!) ?? 0) + 1);
    }
    expect(counts.get('g3')).toBeUndefined();
    const share = (counts.get('g2') ?? 0) / 4000;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
  });

  it('fewest calls: the gateway with the fewest INVITEs in progress first', () => {
    const d = new Dispatcher(ALWAYS_UP);
    d.callStarted('g2');
    d.callStarted('g2');
    d.callStarted('g1');
    expect(ids(d.order('t', 'fewest-calls', gws, 'c'))).toEqual(['g3', 'g1', 'g2']);
    d.callEnded('g2');
    d.callEnded('g2');
    expect(d.activeCalls('g2')).toBe(0);
    expect(ids(d.order('t', 'fewest-calls', gws, 'c'))).toEqual(['g2', 'g3', 'g1']);
  });

  it('leaves out gateways that are down or disabled', () => {
    const d = new Dispatcher({ isUp: (id) => id !== 'g2' });
    const list = [...gws, gateway('g4', 't', { enabled: false })];
    for (const algorithm of [
      'priority',
      'round-robin',
      'weighted',
      'hash-call-id',
      'fewest-calls',
    ] as const) {
      expect(ids(d.order('t', algorithm, list, 'c')).sort()).toEqual(['g1', 'g3']);
    }
  });
});
