import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SQLITE_FILE, SqliteProvisioningStore } from '../../src/store/index.js';
import { header, type WsMessage, WsSipUa } from './ws-sip-client.js';

// What the tests with browser-like WebSocket clients share: carol and dave, connecting them as
// JsSIP does (RFC 5626 outbound) and closing them at the end, and the ACK a browser builds itself
// for a 2xx.

export const CAROL = { username: 'carol', password: 'carol-Secret-7' };
export const DAVE = { username: 'dave', password: 'dave-Secret-6' };
export type Subscriber = typeof CAROL;

/** A fresh data dir whose store has `domain` with carol and dave in it. */
export async function carolAndDaveDataDir(domain: string, prefix: string): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const store = await SqliteProvisioningStore.open(join(dataDir, SQLITE_FILE));
  await store.addDomain(domain);
  for (const who of [CAROL, DAVE]) await store.addSubscriber({ ...who, domain });
  await store.close();
  return dataDir;
}

/** The WebSocket clients of one suite, connected to `url()` as JsSIP connects. */
export class WsClients {
  readonly open: WsSipUa[] = [];

  constructor(
    private readonly url: () => string,
    private readonly domain: string,
  ) {}

  async connect(who: Subscriber): Promise<WsSipUa> {
    const ua = await WsSipUa.connect({
      url: this.url(),
      user: who.username,
      domain: this.domain,
      password: who.password,
      outbound: true,
    });
    this.open.push(ua);
    return ua;
  }

  /** Connected and registered for 300 s; `why` adds to the message should the REGISTER fail. */
  async registered(who: Subscriber, why = () => ''): Promise<{ ua: WsSipUa; answer: WsMessage }> {
    const ua = await this.connect(who);
    const answer = await ua.request('REGISTER', `sip:${this.domain}`, { headers: ['Expires: 300'] });
    expect(answer.status, `${answer.raw}\n${why()}`).toBe(200);
    return { ua, answer };
  }

  closeAll(): void {
    for (const ua of this.open.splice(0)) ua.close();
  }
}

/** The URI in a message's Contact. */
export function contactUri(message: WsMessage): string {
  return /<([^>]+)>/.exec(header(message, 'Contact') ?? '')![1]!;
}

/** The Record-Route values of a message, in order. */
export function recordRoutes(message: WsMessage): string[] {
  return message.headers
    .filter((h) => /^record-route:/i.test(h))
    .flatMap((h) => h.slice(h.indexOf(':') + 1).split(','))
    .map((r) => r.trim());
}

/**
 * `ua`'s ACK for the 2xx `ok`, end to end to the answerer's Contact (RFC 3261 §13.2.2.4) along
 * the route set its Record-Route gave, reversed (RFC 3261 §12.2.1.1).
 */
export function sendAck(ua: WsSipUa, ok: WsMessage): void {
  ua.send(
    [
      `ACK ${contactUri(ok)} SIP/2.0`,
      `Via: SIP/2.0/${ua.transport} ${ua.host};branch=z9hG4bKack${randomBytes(6).toString('hex')}`,
      'Max-Forwards: 70',
      ...recordRoutes(ok)
        .reverse()
        .map((r) => `Route: ${r}`),
      `From: ${header(ok, 'From')}`,
      `To: ${header(ok, 'To')}`,
      `Call-ID: ${header(ok, 'Call-ID')}`,
      `CSeq: ${Number.parseInt(header(ok, 'CSeq')!, 10)} ACK`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}
