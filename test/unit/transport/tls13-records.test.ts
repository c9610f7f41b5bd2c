import { describe, expect, it } from 'vitest';
import { TLS13_SUITES, TrafficKeys } from '../../../src/sip/transport/tls13-keys.js';
import { Alert, Tls13Records } from '../../../src/sip/transport/tls13-records.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

// RFC 8448 §3 (simple 1-RTT handshake, TLS_AES_128_GCM_SHA256): the application traffic secrets,
// the server's derived key and IV, and the records sent under the application keys.
const CLIENT_SECRET = hex(
  '9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5',
);
const SERVER_SECRET = hex(
  'a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43',
);
const SERVER_KEY = hex('9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56');
const SERVER_IV = hex('cf 78 2b 88 dd 83 54 9a ad f1 e9 84');
/** {client} send application_data record: 50 octets 00..31 under the client's keys, sequence 0. */
const CLIENT_DATA_RECORD = hex(`17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea
  42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b
  62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4`);
/** {client} send alert record: close_notify, sequence 1. */
const CLIENT_CLOSE_RECORD = hex('17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f f1 15 3e fd 6d b6 d0 b0 e3');
const PAYLOAD = Buffer.from(Array.from({ length: 50 }, (_, i) => i));
const SUITE = 'TLS_AES_128_GCM_SHA256';

/** Our server, and a client written with the same layer (roles swapped: it reads what the server writes). */
function pair(suite: keyof typeof TLS13_SUITES = SUITE): { server: Tls13Records; client: Tls13Records } {
  const c = Buffer.alloc(TLS13_SUITES[suite].hashLength, 1);
  const s = Buffer.alloc(TLS13_SUITES[suite].hashLength, 2);
  return { server: new Tls13Records(suite, c, s), client: new Tls13Records(suite, s, c) };
}

describe('TLS 1.3 record layer (RFC 8446 §5), RFC 8448 vectors', () => {
  it('derives the key and IV of an application traffic secret (§7.3)', () => {
    const keys = new TrafficKeys(TLS13_SUITES[SUITE], SERVER_SECRET);
    expect(keys.key).toEqual(SERVER_KEY);
    expect(keys.iv).toEqual(SERVER_IV);
  });

  it("opens the client's application data and close_notify records", () => {
    const server = new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET);
    const data = server.receive(CLIENT_DATA_RECORD);
    expect(data).toEqual({ data: [PAYLOAD], send: [], closed: false });
    const close = server.receive(CLIENT_CLOSE_RECORD);
    expect(close.closed).toBe(true);
    expect(close.error).toBeUndefined();
    expect(close.send).toHaveLength(1); // our close_notify back
  });

  it('opens records however the stream cuts them', () => {
    const server = new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET);
    const stream = Buffer.concat([CLIENT_DATA_RECORD, CLIENT_CLOSE_RECORD]);
    const data: Buffer[] = [];
    let closed = false;
    for (let at = 0; at < stream.length; at += 7) {
      const r = server.receive(stream.subarray(at, at + 7));
      data.push(...r.data);
      closed ||= r.closed;
    }
    expect(Buffer.concat(data)).toEqual(PAYLOAD);
    expect(closed).toBe(true);
  });

  it('seals byte for byte what the RFC shows (nonce = IV xor sequence, header as AAD)', () => {
    // Writing under the client's secret reproduces the client's records, sequence 0 then 1.
    const writer = new Tls13Records(SUITE, SERVER_SECRET, CLIENT_SECRET);
    expect(writer.seal(PAYLOAD)).toEqual([CLIENT_DATA_RECORD]);
    expect(writer.close()).toEqual(CLIENT_CLOSE_RECORD);
    expect(() => writer.seal(PAYLOAD)).toThrow(/closed/);
  });
});

describe('TLS 1.3 record layer: bad records', () => {
  it('answers a record whose tag does not verify with a fatal bad_record_mac and closes', () => {
    const server = new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET);
    const tampered = Buffer.from(CLIENT_DATA_RECORD);
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    const r = server.receive(tampered);
    expect(r.data).toEqual([]);
    expect(r.closed).toBe(true);
    expect(r.error).toMatch(/authentication/);
    // The alert is readable by the client as fatal bad_record_mac.
    const client = new Tls13Records(SUITE, SERVER_SECRET, CLIENT_SECRET);
    expect(client.receive(r.send[0] as Buffer).error).toBe(`peer sent alert ${Alert.badRecordMac}`);
    // Nothing more is read after it, not even a genuine record.
    expect(server.receive(CLIENT_DATA_RECORD)).toMatchObject({ data: [], closed: true });
  });

  it('refuses a tampered header (it is the AAD), a replayed record, and records out of order', () => {
    const header = Buffer.from(CLIENT_DATA_RECORD);
    header[2] = 1; // legacy_record_version 0x0301
    expect(new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET).receive(header).error).toMatch(
      /authentication/,
    );
    const replay = new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET);
    expect(replay.receive(CLIENT_DATA_RECORD).data).toEqual([PAYLOAD]);
    expect(replay.receive(CLIENT_DATA_RECORD).error).toMatch(/authentication/);
    expect(new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET).receive(CLIENT_CLOSE_RECORD).error).toMatch(
      /authentication/,
    );
  });

  it('refuses oversized, plaintext and truncated-looking records before buffering them', () => {
    const big = new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET).receive(hex('17 03 03 41 01'));
    expect(big).toMatchObject({ closed: true, error: 'record of 16641 octets' });
    const plain = new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET).receive(hex('15 03 03 00 02 02 28'));
    expect(plain).toMatchObject({ closed: true, error: 'unexpected record type 21' });
    const ccs = new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET).receive(hex('14 03 03 00 01 01'));
    expect(ccs.error).toBe('unexpected record type 20');
    const short = new Tls13Records(SUITE, CLIENT_SECRET, SERVER_SECRET).receive(
      hex('17 03 03 00 05 00 00 00 00 00'),
    );
    expect(short.error).toBe('record of 5 octets');
  });

  it('refuses inner content it must not get: all padding, handshake other than KeyUpdate, bad alerts', () => {
    for (const [content, error] of [
      [Buffer.from([0, 0, 0]), 'record without a content type'],
      [Buffer.from([4, 0, 0, 0, 22]), 'unexpected handshake message 4'],
      [Buffer.from([24, 0, 0, 1, 2, 22]), 'KeyUpdate request_update 2'],
      [Buffer.from([24, 0, 0, 2, 0, 0, 22]), 'malformed KeyUpdate'],
      [Buffer.from([2, 21]), 'malformed alert'],
      [Buffer.from([20]), 'change_cipher_spec after the handshake'],
      [Buffer.from([22]), 'empty handshake record'],
      [Buffer.from([1, 2, 3, 99]), 'unexpected content type 99'],
    ] as const) {
      const { server, client } = pair();
      const r = server.receive(sealInner(client, content));
      expect(r.error, `content ${content.toString('hex')}`).toBe(error);
      expect(r.closed).toBe(true);
      expect(r.send).toHaveLength(1);
    }
  });

  it('ignores padding after the content type (§5.4) and a user_canceled alert (§6.1)', () => {
    const { server, client } = pair();
    expect(server.receive(sealInner(client, Buffer.from([104, 105, 23, 0, 0, 0]))).data).toEqual([
      Buffer.from('hi'),
    ]);
    expect(server.receive(sealInner(client, Buffer.from([1, 90, 21])))).toEqual({
      data: [],
      send: [],
      closed: false,
    });
  });

  it('closes without answering on a fatal alert from the peer (§6.2)', () => {
    const { server, client } = pair();
    expect(server.receive(sealInner(client, Buffer.from([2, 40, 21])))).toEqual({
      data: [],
      send: [],
      closed: true,
      error: 'peer sent alert 40',
    });
  });
});

describe('TLS 1.3 record layer: KeyUpdate (§4.6.3)', () => {
  for (const suite of Object.keys(TLS13_SUITES) as (keyof typeof TLS13_SUITES)[]) {
    it(`moves both sides' keys when the peer asks (${suite})`, () => {
      const { server, client } = pair(suite);
      // The client asks (update_requested), then writes under its next keys.
      const update = sealInner(client, Buffer.from([24, 0, 0, 1, 1, 22]));
      const clientNext = new Tls13Records(suite, nextSecret(suite, 2), nextSecret(suite, 1));
      const r = server.receive(Buffer.concat([update, clientNext.seal(Buffer.from('after'))[0] as Buffer]));
      expect(r.data).toEqual([Buffer.from('after')]);
      // Our answer: one KeyUpdate (update_not_requested) under the old keys...
      expect(r.send).toHaveLength(1);
      const seen = client.receive(r.send[0] as Buffer);
      expect(seen).toEqual({ data: [], send: [], closed: false });
      // ...then data under the new ones, which the client (its read keys moved) opens.
      expect(client.receive(Buffer.concat(server.seal(Buffer.from('reply')))).data).toEqual([
        Buffer.from('reply'),
      ]);
    });
  }

  it('keeps its own copy of the secrets (the caller wipes them) for the next KeyUpdate', () => {
    const c = Buffer.from(CLIENT_SECRET);
    const s = Buffer.from(SERVER_SECRET);
    const server = new Tls13Records(SUITE, c, s);
    c.fill(0);
    s.fill(0);
    const client = new Tls13Records(SUITE, SERVER_SECRET, CLIENT_SECRET);
    const r = server.receive(sealInner(client, Buffer.from([24, 0, 0, 1, 1, 22])));
    expect(client.receive(r.send[0] as Buffer).error).toBeUndefined();
    expect(client.receive(Buffer.concat(server.seal(Buffer.from('x')))).data).toEqual([Buffer.from('x')]);
  });

  it('answers many KeyUpdates that ask in one read with one of its own', () => {
    const { server, client } = pair();
    let records = Buffer.alloc(0);
    for (let i = 0; i < 3; i++) {
      records = Buffer.concat([records, sealInner(client, Buffer.from([24, 0, 0, 1, 1, 22]))]);
      advanceWrite(client);
    }
    const r = server.receive(records);
    expect(r.error).toBeUndefined();
    expect(r.send).toHaveLength(1);
  });

  it('refuses data after a KeyUpdate in the same record', () => {
    const { server, client } = pair();
    expect(server.receive(sealInner(client, Buffer.from([24, 0, 0, 1, 0, 24, 0, 0, 1, 0, 22]))).error).toBe(
      'data after a KeyUpdate in its record',
    );
  });
});

/** A record whose inner plaintext (content, type, padding) is exactly `inner`, sealed by `writer`. */
function sealInner(writer: Tls13Records, inner: Buffer): Buffer {
  // protect(type, content) seals content || type: split the last octet off as the "type".
  const protect = (writer as unknown as { protect(type: number, content: Buffer): Buffer }).protect.bind(
    writer,
  );
  return protect(inner[inner.length - 1] as number, inner.subarray(0, inner.length - 1));
}

/** Move a writer's keys on as its KeyUpdate said. */
function advanceWrite(writer: Tls13Records): void {
  const w = writer as unknown as { write: TrafficKeys };
  w.write = w.write.next();
}

function nextSecret(suite: keyof typeof TLS13_SUITES, fill: number): Buffer {
  const spec = TLS13_SUITES[suite];
  const keys = new TrafficKeys(spec, Buffer.alloc(spec.hashLength, fill)).next();
  return (keys as unknown as { secret: Buffer }).secret;
}
