import { describe, expect, it } from 'vitest';
import { createResponse } from '../../../src/sip/message/index.js';
import { ManualClock } from '../../../src/sip/transaction/index.js';
import { TimerQueue } from '../../../src/sip/transaction/timer-queue.js';
import { harness, isRequest, isStatus, request, responseTo, uac } from './helpers.js';

/** A queue of named entries that all wait `delay`, recording when each fires. */
function queueOf(delay: number, granularity = 0) {
  const clock = new ManualClock();
  const fired: Array<{ name: string; at: number }> = [];
  const queue = new TimerQueue<string>(clock, (name) => fired.push({ name, at: clock.now() }), granularity);
  const add = (name: string) => queue.add(name, clock.now() + delay);
  return { clock, fired, queue, add };
}

describe('TimerQueue (one clock timer for every entry waiting the same delay)', () => {
  it('fires each entry at its due time, in arrival order, from one clock timer', () => {
    const q = queueOf(500);
    q.add('a');
    q.clock.advance(3);
    q.add('b');
    q.add('c');
    q.clock.advance(100);
    q.add('d');
    expect(q.clock.pending).toBe(1);
    q.clock.advance(396);
    expect(q.fired).toEqual([]);
    q.clock.advance(1);
    expect(q.fired).toEqual([{ name: 'a', at: 500 }]);
    q.clock.advance(1_000);
    expect(q.fired).toEqual([
      { name: 'a', at: 500 },
      { name: 'b', at: 503 },
      { name: 'c', at: 503 },
      { name: 'd', at: 603 },
    ]);
    expect(q.queue.size).toBe(0);
    expect(q.clock.pending).toBe(0);
  });

  it('never fires a cancelled entry, lets it go at once, and keeps later entries on time', () => {
    const q = queueOf(500);
    const a = q.add('a');
    q.clock.advance(10);
    const b = q.add('b');
    q.clock.advance(10);
    q.add('c');
    const d = q.add('d');
    q.queue.cancel(b); // in the middle: its slot is emptied, passed over when the head reaches it
    expect(q.queue.size).toBe(4);
    q.queue.cancel(a); // at the head: the head moves past it and the emptied b
    expect(q.queue.size).toBe(2);
    q.queue.cancel(d);
    // The clock timer set for a stays and fires for nothing; it then sets itself for c.
    expect(q.clock.pending).toBe(1);
    q.clock.advance(480);
    expect(q.fired).toEqual([]);
    expect(q.clock.pending).toBe(1);
    q.clock.advance(20);
    expect(q.fired).toEqual([{ name: 'c', at: 520 }]);
    expect(q.clock.pending).toBe(0);
    q.queue.cancel(d); // a ticket already cancelled changes nothing
    q.queue.cancel(a);
    expect(q.queue.size).toBe(0);
  });

  it('sets one clock timer per delay, not per entry, when entries are cancelled before they are due', () => {
    const q = queueOf(500);
    let set = 0;
    const setTimeout = q.clock.setTimeout.bind(q.clock);
    q.clock.setTimeout = (callback, ms) => {
      set++;
      return setTimeout(callback, ms);
    };
    // 300 calls/s for 10 s, each answered 1 ms after its timer starts.
    for (let n = 0; n < 3_000; n++) {
      const ticket = q.add(`e${n}`);
      q.clock.advance(1);
      q.queue.cancel(ticket);
      q.clock.advance(2.333);
    }
    expect(q.fired).toEqual([]);
    expect(set).toBe(20); // one per 500 ms for 10 s, against 3,000 entries
  });

  it('takes entries added and cancelled while firing without delaying earlier ones', () => {
    const clock = new ManualClock();
    const fired: Array<{ name: string; at: number }> = [];
    let later = -1;
    const queue: TimerQueue<string> = new TimerQueue(clock, (name) => {
      fired.push({ name, at: clock.now() });
      if (name === 'a') queue.add('a again', clock.now() + 4_000); // due after b
      if (name === 'b') queue.cancel(later);
    });
    queue.add('a', 4_000);
    clock.advance(100);
    queue.add('b', 4_100);
    later = queue.add('c', 4_100);
    clock.advance(10_000);
    expect(fired).toEqual([
      { name: 'a', at: 4_000 },
      { name: 'b', at: 4_100 },
      { name: 'a again', at: 8_000 },
    ]);
    expect(clock.pending).toBe(0);
  });

  it('keeps its timer for the entries behind one whose firing throws', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const queue = new TimerQueue<string>(clock, (name) => {
      fired.push(name);
      if (name === 'a') throw new Error('handler failed');
    });
    queue.add('a', 500);
    queue.add('b', 600);
    expect(() => clock.advance(500)).toThrow('handler failed');
    clock.advance(100);
    expect(fired).toEqual(['a', 'b']);
  });

  it('grows past its first slots and wraps around without losing order or tickets', () => {
    const q = queueOf(1_000);
    const tickets: number[] = [];
    for (let n = 0; n < 50; n++) {
      tickets.push(q.add(`w${n}`));
      q.clock.advance(10);
    }
    q.clock.advance(750); // w0..w25 fire: the head is now in the middle of the ring
    const firedBefore = q.fired.length;
    for (let n = 50; n < 300; n++) tickets.push(q.add(`w${n}`)); // past 64 slots, across the wrap
    for (let n = 1; n < 300; n += 2) q.queue.cancel(tickets[n]!); // odd ones, some before, some after growth
    q.clock.advance(2_000);
    const names = q.fired.map((f) => f.name);
    expect(firedBefore).toBe(26);
    expect(names).toEqual(
      Array.from({ length: 300 }, (_, n) => `w${n}`).filter((_, n) => n % 2 === 0 || n < firedBefore),
    );
    // Each at its due time: 1 s after it was added, at 0, 10, ... 490 ms and then 1,250 ms.
    for (const f of q.fired) {
      const n = Number(f.name.slice(1));
      expect(f.at).toBe(1_000 + (n < 50 ? 10 * n : 1_250));
    }
    expect(q.queue.size).toBe(0);
  });

  it('with a granularity, fires entries due close together in one sweep, at most that late', () => {
    const q = queueOf(500, 100);
    q.add('a');
    q.clock.advance(40);
    q.add('b');
    q.clock.advance(100);
    q.add('c');
    q.clock.advance(1_000);
    expect(q.fired).toEqual([
      { name: 'a', at: 600 },
      { name: 'b', at: 600 },
      { name: 'c', at: 740 },
    ]);
  });

  it('close() forgets every entry and stops the timer', () => {
    const q = queueOf(500);
    const a = q.add('a');
    q.queue.close();
    expect(q.clock.pending).toBe(0);
    q.queue.cancel(a); // a ticket of a closed queue changes nothing
    q.add('b');
    q.clock.advance(1_000);
    expect(q.fired).toEqual([{ name: 'b', at: 500 }]);
  });
});

describe('transaction timers on shared queues (RFC 3261 §17)', () => {
  it('Timer G doubles up to T2 on the ManualClock, and the ACK stops it and Timer H', () => {
    const h = harness();
    const s = h.serve(request('INVITE'));
    s.tx!.respond(createResponse(s.req!, 486, undefined, 't'));
    h.clock.advance(20_000);
    // §17.2.1: T1, 2·T1, 4·T1, then T2 (4 s) between resends.
    expect(h.sentAt(isStatus(486))).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500]);
    h.layer.receive(request('ACK', { toTag: 't' }), uac);
    expect(s.tx!.state).toBe('confirmed');
    expect(h.runOut()).toEqual({ sent: 0, pending: 0 });
    expect(s.ended).toEqual([{ reason: 'normal', at: 20_000 + 5_000 + 100 }]);
  });

  it('many transactions retransmit on time from the same queues', () => {
    const h = harness();
    const clients = Array.from({ length: 200 }, (_, n) => {
      const c = h.client(request('OPTIONS', { branch: `z9hG4bK-many${n}` }));
      h.clock.advance(7);
      return c;
    });
    // Every other one answered: the rest keep retransmitting at T1, 2·T1, 4·T1, T2 from their start.
    for (let n = 0; n < 200; n += 2) h.layer.receive(responseTo(clients[n]!.req, 200, 'x'), uac);
    h.clock.advance(40_000);
    const sends = h.sent.filter(isRequest('OPTIONS'));
    for (let n = 0; n < 200; n++) {
      const start = n * 7;
      const at = sends.filter((s) => s.message === clients[n]!.tx.request).map((s) => s.at - start);
      if (n % 2 === 0) expect(at.filter((t) => t <= 1_400 - start)).toEqual(at);
      else expect(at).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]);
    }
    expect(clients.filter((c) => c.events.length > 0)).toHaveLength(100); // Timer F for the unanswered
  });
});
