import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nativeTlsModule } from '../../src/native/index.js';
import { makeSelfSigned } from '../../src/node-tls.js';
import { type TlsCredentials, TlsTransport } from '../../src/sip/transport/index.js';
import { until } from '../support/until.js';
import { Recorder } from '../unit/transport/helpers.js';
import { missingPeerReason, requirePeer, suiteTitle } from './peers.js';

// The native TLS engine against OpenSSL's own client (`openssl s_client`, Debian's openssl): SIP
// both ways over TLS 1.3 with each suite, a KeyUpdate the client asks us to answer ('K': ours must
// follow, or its next read fails), TLS 1.2 on the SSL object, and the client's close_notify.
const openssl = requirePeer('openssl', 'openssl');
const unavailable = [
  openssl ? undefined : missingPeerReason('openssl', 'openssl'),
  nativeTlsModule() ? undefined : 'native module build/Release/tls_session.node not built (npm install)',
];

let credentials: TlsCredentials;
beforeAll(async () => {
  const made = await makeSelfSigned({ dns: ['localhost'], ips: ['127.0.0.1'] });
  credentials = { cert: made.cert, key: made.key, engine: 'native' };
});

/** An s_client whose stdin lines go out with CRLF ends; its stdout and stderr kept. */
function sClient(
  port: number,
  args: string[],
): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string } {
  const child = spawn(openssl!, [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-crlf',
    '-no_ign_eof',
    ...args,
  ]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

function options(tag: string): string {
  return [
    `OPTIONS sip:${tag}@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-${tag}`,
    `Call-ID: ${tag}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

describe.skipIf(unavailable.some(Boolean))(
  suiteTitle('native TLS engine vs openssl s_client', unavailable),
  () => {
    const closers: Array<() => unknown> = [];
    afterEach(async () => {
      for (const close of closers.splice(0)) await close();
    });

    async function start(): Promise<[TlsTransport, Recorder]> {
      const recorder = new Recorder();
      const t = new TlsTransport({ host: '127.0.0.1', port: 0, handlers: recorder, tls: credentials });
      closers.push(() => t.close());
      await t.listen();
      expect(t.engine).toBe('native');
      return [t, recorder];
    }

    /** The client sends an OPTIONS; we answer with a 200 carrying the tag; the client prints it. */
    async function exchange(t: TlsTransport, rec: Recorder, c: ReturnType<typeof sClient>, tag: string) {
      const before = rec.packets.length;
      c.child.stdin.write(options(tag));
      await rec.until(() => rec.packets.length === before + 1, 5000);
      const packet = rec.packets[before]!;
      expect(packet.data.toString()).toContain(`Call-ID: ${tag}\r\n`);
      await t.send(
        Buffer.from(`SIP/2.0 200 OK\r\nCall-ID: ${tag}-answer\r\nContent-Length: 0\r\n\r\n`),
        packet.source,
        packet.connectionId,
      );
      await until(
        () => c.out().includes(`Call-ID: ${tag}-answer`),
        5000,
        `s_client to print the answer to ${tag}`,
      );
    }

    for (const suite of [
      'TLS_AES_128_GCM_SHA256',
      'TLS_AES_256_GCM_SHA384',
      'TLS_CHACHA20_POLY1305_SHA256',
    ]) {
      it(`TLS 1.3 ${suite}: SIP both ways, a KeyUpdate asked of us and answered, then close_notify`, async () => {
        const [t, rec] = await start();
        const c = sClient(t.local.port, ['-tls1_3', '-ciphersuites', suite]);
        closers.push(() => c.child.kill());
        await exchange(t, rec, c, 'before');
        expect(c.out()).toContain(`New, TLSv1.3, Cipher is ${suite}`);
        // 'K': a KeyUpdate with update_requested. Our KeyUpdate must follow before our next record,
        // and the client's next records are under its new keys: both sides' new keys are exercised.
        c.child.stdin.write('K\n');
        await until(() => c.err().includes('KEYUPDATE'), 5000, 's_client to send its KeyUpdate');
        await exchange(t, rec, c, 'after-update');
        // 'k': one more without a request; the client's keys move again, ours stay.
        c.child.stdin.write('k\n');
        await until(() => (c.err().match(/KEYUPDATE/g) ?? []).length === 2, 5000, 'the second KeyUpdate');
        await exchange(t, rec, c, 'after-second-update');
        expect(rec.packets).toHaveLength(3);
        // 'Q': s_client sends close_notify and exits; the connection goes.
        c.child.stdin.write('Q\n');
        await until(() => t.connectionCount === 0, 5000, 'the connection to close');
      });
    }

    it('TLS 1.2 (the SSL object carries the records)', async () => {
      const [t, rec] = await start();
      const c = sClient(t.local.port, ['-tls1_2']);
      closers.push(() => c.child.kill());
      await exchange(t, rec, c, 'tls12');
      expect(c.out()).toMatch(/Protocol\s*:\s*TLSv1.2/);
      c.child.stdin.write('Q\n');
      await until(() => t.connectionCount === 0, 5000, 'the connection to close');
    });

    it('refuses TLS 1.1', async () => {
      const [t] = await start();
      const c = sClient(t.local.port, ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']);
      const code = await new Promise<number | null>((resolve) => c.child.on('exit', resolve));
      expect(code).not.toBe(0);
      await until(() => t.handshakeFailures === 1, 5000, 'the failed handshake to be counted');
    });
  },
);
