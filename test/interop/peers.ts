import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Kamailio and friends install into sbin, which a non-root PATH may lack.
const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** Where `binary` is on this machine, or undefined. */
export function findBinary(binary: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...EXTRA_DIRS];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The reason a test names when it skips for want of a peer. */
export function missingPeerReason(binary: string, debianPackage: string): string {
  return `${binary} not installed (Debian package ${debianPackage})`;
}

/** True when CI asks for every real peer: a missing one is then an error, not a skip. */
export function peersRequired(): boolean {
  return process.env['SWITCHBOARD_REQUIRE_PEERS'] === '1';
}

/**
 * The path of a real peer program, or undefined so the test file can `describe.skipIf(!bin)`.
 * Throws instead when SWITCHBOARD_REQUIRE_PEERS=1 (CI must not skip silently).
 */
export function requirePeer(binary: string, debianPackage: string): string | undefined {
  const found = findBinary(binary);
  if (found === undefined && peersRequired()) {
    throw new Error(`${missingPeerReason(binary, debianPackage)}: apt-get install -y ${debianPackage}`);
  }
  return found;
}

/** A suite title that carries its skip reasons, so a skipped run says why. */
export function suiteTitle(title: string, skipReasons: Array<string | undefined>): string {
  const reasons = skipReasons.filter((r): r is string => r !== undefined);
  return reasons.length === 0 ? title : `${title} [skipped: ${reasons.join('; ')}]`;
}

/** The sipvicious tools; Debian 12 (0.3.3) installs them as `svmap`, newer releases as `sipvicious_svmap`. */
export type SipviciousTool = 'svmap' | 'svwar' | 'svcrack';

/** Where a sipvicious tool is (Debian package `sipvicious`), under either name; see requirePeer. */
export function requireSipvicious(tool: SipviciousTool): string | undefined {
  const found = findBinary(tool) ?? findBinary(`sipvicious_${tool}`);
  if (found === undefined && peersRequired()) {
    throw new Error(`${missingPeerReason(tool, 'sipvicious')}: apt-get install -y sipvicious`);
  }
  return found;
}
