import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { generate } from 'selfsigned';
import { ConfigError, type SwitchboardConfig } from './config/index.js';
import type { TlsCredentials } from './sip/transport/index.js';

/** Where a node keeps the pair it made itself, under its data directory. */
export function selfSignedPaths(dataDir: string): { certificate: string; key: string } {
  const dir = join(dataDir, 'tls');
  return { certificate: join(dir, 'self-signed.crt'), key: join(dir, 'self-signed.key') };
}

/**
 * The certificate, key and trust of the node's TLS and WSS listeners: the configured files, or a
 * self-signed pair made on the first start and kept in dataDir (so phones that were told to trust
 * it keep trusting it). Unreadable or mismatched files are configuration errors naming the key.
 */
export async function loadTlsCredentials(config: SwitchboardConfig, logger: Logger): Promise<TlsCredentials> {
  const { tls } = config;
  const ca = tls.ca !== undefined ? await readKeyFile('tls.ca', tls.ca) : undefined;
  const common = {
    clientCertificates: tls.clientCertificates,
    verifyServer: tls.verifyServer,
    engine: tls.engine,
  };
  if (tls.certificate !== undefined && tls.key !== undefined) {
    const cert = await readKeyFile('tls.certificate', tls.certificate);
    const key = await readKeyFile('tls.key', tls.key);
    checkPair(cert, key, ca);
    return { cert, key, ...(ca ? { ca } : {}), ...common };
  }
  const paths = selfSignedPaths(config.dataDir);
  const kept = await readPair(paths.certificate, paths.key);
  if (kept) {
    logger.info({ certificate: paths.certificate }, 'TLS: using the self-signed certificate made earlier');
    return { ...kept, ...(ca ? { ca } : {}), ...common };
  }
  const made = await makeSelfSigned(subjectNames(config));
  await mkdir(join(config.dataDir, 'tls'), { recursive: true });
  // Written under a temporary name then renamed: a crash never leaves half a key behind.
  await writeAtomically(paths.key, made.key, 0o600);
  await writeAtomically(paths.certificate, made.cert, 0o644);
  logger.warn(
    { certificate: paths.certificate, fingerprint: made.fingerprint },
    'TLS: no tls.certificate configured, made a self-signed certificate (set tls.certificate and tls.key for a trusted one)',
  );
  return { cert: made.cert, key: made.key, ...(ca ? { ca } : {}), ...common };
}

/** A self-signed ECDSA P-256 certificate for the given names, valid ten years. */
export async function makeSelfSigned(names: {
  dns: string[];
  ips: string[];
}): Promise<{ cert: string; key: string; fingerprint: string }> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const result = await generate([{ name: 'commonName', value: names.dns[0] ?? 'switchboard' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.dns.map((value) => ({ type: 2 as const, value })),
          ...names.ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { cert: result.cert, key: result.private, fingerprint: result.fingerprint };
}

/** The names a self-signed certificate is for: this host, loopback, the listen and advertised addresses. */
function subjectNames(config: SwitchboardConfig): { dns: string[]; ips: string[] } {
  const ips = new Set(['127.0.0.1', '::1']);
  const dns = new Set([hostname(), 'localhost']);
  for (const address of config.sip.listen) if (address !== '0.0.0.0' && address !== '::') ips.add(address);
  const advertised = config.sip.advertisedAddress;
  if (advertised) (/^[\d.]+$|:/.test(advertised) ? ips : dns).add(advertised);
  for (const domain of config.proxy.domains) dns.add(domain);
  return { dns: [...dns], ips: [...ips] };
}

async function readKeyFile(key: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const env = `SWITCHBOARD_${key.replace('.', '_').toUpperCase()}`;
    throw new ConfigError([
      {
        key,
        message: `${key}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? e}); fix the path in ${env} or "${key}"`,
      },
    ]);
  }
}

/** Both files of a kept pair, or undefined when either is missing (then a new pair is made). */
async function readPair(
  certificate: string,
  key: string,
): Promise<{ cert: string; key: string } | undefined> {
  try {
    return { cert: await readFile(certificate, 'utf8'), key: await readFile(key, 'utf8') };
  } catch {
    return undefined;
  }
}

/** Fail at start, naming the key, rather than at the first handshake. */
function checkPair(cert: string, key: string, ca: string | undefined): void {
  try {
    createSecureContext({ cert, key, ca });
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    const blamed = /key/i.test(text) ? 'tls.key' : 'tls.certificate';
    throw new ConfigError([
      {
        key: blamed,
        message: `${blamed}: not usable with the other TLS files (${text}); give a matching PEM certificate and key`,
      },
    ]);
  }
}

async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await rename(temporary, path);
}
