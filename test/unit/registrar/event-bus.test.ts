import { describe, expect, it } from 'vitest';
import { InProcessEventBus, type RegistrationEvent } from '../../../src/events/index.js';

const event = (type: RegistrationEvent['type']): RegistrationEvent => ({
  type,
  aor: 'sip:alice@example.com',
  contact: 'sip:alice@192.0.2.1',
  source: { protocol: 'udp', address: '192.0.2.1', port: 5060 },
  expires: 3600,
  at: 0,
});

describe('InProcessEventBus', () => {
  it('delivers by exact type, by family and to everything', () => {
    const bus = new InProcessEventBus();
    const seen: string[] = [];
    bus.subscribe('registration.created', (e) => seen.push(`exact:${e.type}`));
    bus.subscribe('registration.*', (e) => seen.push(`family:${e.type}`));
    bus.subscribe('call.*', (e) => seen.push(`call:${e.type}`));
    bus.subscribe('*', (e) => seen.push(`all:${e.type}`));
    bus.publish(event('registration.created'));
    bus.publish(event('registration.expired'));
    expect(seen).toEqual([
      'exact:registration.created',
      'family:registration.created',
      'all:registration.created',
      'family:registration.expired',
      'all:registration.expired',
    ]);
  });

  it('unsubscribes, and forgets empty subscriptions', () => {
    const bus = new InProcessEventBus();
    let n = 0;
    const off = bus.subscribe('registration.removed', () => n++);
    bus.publish(event('registration.removed'));
    off();
    off();
    bus.publish(event('registration.removed'));
    expect(n).toBe(1);
    expect(bus.size).toBe(0);
  });

  it('isolates a failing subscriber from the others and from the publisher', () => {
    const errors: unknown[] = [];
    const bus = new InProcessEventBus((e) => errors.push(e));
    let delivered = 0;
    bus.subscribe('registration.*', () => {
      throw new Error('boom');
    });
    bus.subscribe('registration.*', () => delivered++);
    expect(() => bus.publish(event('registration.created'))).not.toThrow();
    expect(delivered).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('delivers nothing once closed', async () => {
    const bus = new InProcessEventBus();
    let n = 0;
    bus.subscribe('*', () => n++);
    await bus.close();
    bus.publish(event('registration.created'));
    expect(n).toBe(0);
  });
});
