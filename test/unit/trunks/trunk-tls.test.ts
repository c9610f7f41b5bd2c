import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../src/sip/transport/index.js';
import { buildTables, TrunkTls } from '../../../src/trunks/index.js';
import { gateway, snapshot, trunk } from './fixtures.js';

const TLS = join(import.meta.dirname, '..', '..', 'fixtures', 'tls');
const pem = (name: string) => readFileSync(join(TLS, name), 'utf8');
const at = (address: string, port: number): Endpoint => ({ protocol: 'tls', address, port });

function view() {
  return buildTables(
    snapshot({
      trunks: [
        // PEM text for the pair, a path for the CA.
        trunk('mtls', {
          tlsCertificate: pem('trunk-client.crt'),
          tlsKey: pem('trunk-client.key'),
          tlsCa: join(TLS, 'carrier-ca.crt'),
        }),
        trunk('ca-only', { tlsCa: pem('carrier-ca.crt') }),
        trunk('broken', { tlsCertificate: '/nonexistent/a.crt', tlsKey: '/nonexistent/a.key' }),
        trunk('plain'),
        trunk('off', { enabled: false, tlsCa: pem('carrier-ca.crt') }),
      ],
      gateways: [
        gateway('m1', 'mtls', { uri: 'sips:192.0.2.5', transport: 'tls' }),
        gateway('m2', 'mtls', { uri: 'sip:localhost:5071;transport=tls', transport: 'tls' }),
        gateway('m3', 'mtls', { uri: 'sip:192.0.2.5:5060', transport: 'udp' }),
        gateway('c1', 'ca-only', { uri: 'sips:192.0.2.6:5062', transport: 'tls' }),
        gateway('b1', 'broken', { uri: 'sips:192.0.2.7', transport: 'tls' }),
        gateway('p1', 'plain', { uri: 'sips:192.0.2.8', transport: 'tls' }),
        gateway('o1', 'off', { uri: 'sips:192.0.2.9', transport: 'tls' }),
      ],
    }),
  );
}

describe('TrunkTls', () => {
  it("gives a trunk's TLS gateways its certificate and CA, verified; others the node's own", async () => {
    const errors: string[] = [];
    const tls = new TrunkTls((m) => errors.push(m));
    tls.useOwn({ cert: pem('stranger-client.crt'), key: pem('stranger-client.key') });
    await tls.load(view());
    const m1 = tls.forDestination(at('192.0.2.5', 5061));
    expect(m1 && 'context' in m1 && m1.verify).toBe(true);
    // A host name is resolved when the trunks load; SNI and the identity check use the name.
    const m2 = tls.forDestination(at('127.0.0.1', 5071));
    expect(m2 && 'context' in m2 && m2.servername).toBe('localhost');
    // UDP gateways, trunks without TLS settings and disabled trunks: the node's own credentials.
    expect(tls.forDestination(at('192.0.2.5', 5060))).toBeUndefined();
    expect(tls.forDestination(at('192.0.2.8', 5061))).toBeUndefined();
    expect(tls.forDestination(at('192.0.2.9', 5061))).toBeUndefined();
    // Only a CA: the node's own certificate goes along, the gateway verified with the trunk's CA.
    const c1 = tls.forDestination(at('192.0.2.6', 5062));
    expect(c1 && 'context' in c1 && c1.verify).toBe(true);
  });

  it('a trunk whose files cannot be read is reported and its gateways are not connected to', async () => {
    const errors: string[] = [];
    const tls = new TrunkTls((m) => errors.push(m));
    await tls.load(view());
    expect(errors).toEqual([
      expect.stringMatching(/^trunk broken: cannot read tlsCertificate \/nonexistent\/a\.crt \(ENOENT\)/),
    ]);
    expect(tls.forDestination(at('192.0.2.7', 5061))).toEqual({ error: errors[0] });
  });

  it('forgets a trunk once its settings are gone', async () => {
    const tls = new TrunkTls();
    await tls.load(view());
    expect(tls.forDestination(at('192.0.2.5', 5061))).toBeDefined();
    await tls.load(
      buildTables(
        snapshot({
          trunks: [trunk('mtls')],
          gateways: [gateway('m1', 'mtls', { uri: 'sips:192.0.2.5', transport: 'tls' })],
        }),
      ),
    );
    expect(tls.forDestination(at('192.0.2.5', 5061))).toBeUndefined();
  });
});
