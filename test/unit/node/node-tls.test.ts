import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { loadTlsCredentials, makeSelfSigned, selfSignedPaths } from '../../../src/node-tls.js';

/** A logger that keeps what it writes, as parsed JSON lines. */
function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (text: string) => lines.push(JSON.parse(text)) });
  return { logger, lines };
}

describe('TLS credentials of a node', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'sb-tls-'));
    dirs.push(d);
    return d;
  }

  it('makes a self-signed pair on the first start, says so, keeps it and reuses it', async () => {
    const dataDir = tempDir();
    const config = loadConfig({
      env: { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_SIP_ADVERTISED_ADDRESS: '192.0.2.7' },
    });
    const first = recordingLogger();
    const made = await loadTlsCredentials(config, first.logger);
    expect(first.lines.some((l) => /made a self-signed certificate/.test(String(l.msg)))).toBe(true);
    const paths = selfSignedPaths(dataDir);
    expect(readFileSync(paths.certificate, 'utf8')).toBe(made.cert);
    expect(statSync(paths.key).mode & 0o777).toBe(0o600);
    const x509 = new X509Certificate(made.cert);
    expect(x509.subjectAltName).toContain('IP Address:192.0.2.7');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.publicKey.asymmetricKeyType).toBe('ec');
    expect(
      x509.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(String(made.key)))),
    ).toBe(true);

    const second = recordingLogger();
    const again = await loadTlsCredentials(config, second.logger);
    expect(again.cert).toBe(made.cert);
    expect(second.lines.some((l) => /made earlier/.test(String(l.msg)))).toBe(true);
  });

  it('reads the configured certificate and key', async () => {
    const dir = tempDir();
    const pair = await makeSelfSigned({ dns: ['sip.example.com'], ips: [] });
    writeFileSync(join(dir, 'c.pem'), pair.cert);
    writeFileSync(join(dir, 'k.pem'), pair.key);
    const config = loadConfig({
      env: {
        SWITCHBOARD_DATA_DIR: dir,
        SWITCHBOARD_TLS_CERTIFICATE: join(dir, 'c.pem'),
        SWITCHBOARD_TLS_KEY: join(dir, 'k.pem'),
        SWITCHBOARD_TLS_CLIENT_CERTIFICATES: 'request',
      },
    });
    const { logger } = recordingLogger();
    const credentials = await loadTlsCredentials(config, logger);
    expect(credentials.cert).toBe(pair.cert);
    expect(credentials.clientCertificates).toBe('request');
  });

  it('names the key of a file it cannot read, and of a key that does not match', async () => {
    const dir = tempDir();
    const { logger } = recordingLogger();
    const missing = loadConfig({
      env: { SWITCHBOARD_TLS_CERTIFICATE: join(dir, 'nope.pem'), SWITCHBOARD_TLS_KEY: join(dir, 'nope.key') },
    });
    const error = await loadTlsCredentials(missing, logger).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('tls.certificate: cannot read');
    expect(error.message).toContain('ENOENT');

    const a = await makeSelfSigned({ dns: ['a'], ips: [] });
    const b = await makeSelfSigned({ dns: ['b'], ips: [] });
    writeFileSync(join(dir, 'a.pem'), a.cert);
    writeFileSync(join(dir, 'b.key'), b.key);
    const mismatched = loadConfig({
      env: { SWITCHBOARD_TLS_CERTIFICATE: join(dir, 'a.pem'), SWITCHBOARD_TLS_KEY: join(dir, 'b.key') },
    });
    const wrong = await loadTlsCredentials(mismatched, logger).catch((e) => e);
    expect(wrong).toBeInstanceOf(ConfigError);
    expect(wrong.message).toMatch(/^invalid configuration:\n {2}tls\.key: not usable/);
  });

  it('refuses a certificate without its key in the configuration', () => {
    expect(() => loadConfig({ env: { SWITCHBOARD_TLS_CERTIFICATE: '/etc/c.pem' } })).toThrow(
      /tls\.key: expected with tls\.certificate, got none \(set SWITCHBOARD_TLS_KEY or --tls-key\)/,
    );
  });
});
