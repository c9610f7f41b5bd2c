/**
 * User-Agents of SIP scanners and crackers, matched case-insensitively as substrings (the
 * `edge.scanners.userAgents` default). Kamailio's stock configuration drops friendly-scanner,
 * sipcli and VaxSIPUserAgent; the rest are the tools fail2ban and APIBan users see in the wild:
 * sipvicious (friendly-scanner is its default User-Agent), sipcli, sip-scan, VaxSIPUserAgent
 * (a softphone SDK scanners build on), pplsip, iWar (war dialler), sundayddr, SIVuS.
 */
export const DEFAULT_SCANNER_USER_AGENTS: readonly string[] = [
  'friendly-scanner',
  'sipvicious',
  'sipcli',
  'sip-scan',
  'VaxSIPUserAgent',
  'pplsip',
  'iWar',
  'sundayddr',
  'SIVuS',
];

const USER_AGENT = Buffer.from('user-agent', 'latin1');
const LF = 0x0a;
const CR = 0x0d;
/** Only this much of a message is searched: the header of a request worth answering is small. */
const SCAN_LIMIT = 4096;

/**
 * The User-Agent header value of a raw message, found with a byte scan before parsing (no
 * allocation but the value itself); undefined when there is none in the header section.
 */
export function userAgentOf(data: Buffer): string | undefined {
  const end = Math.min(data.length, SCAN_LIMIT);
  let lineStart = data.indexOf(LF);
  while (lineStart >= 0 && lineStart < end) {
    const start = lineStart + 1;
    const first = data[start];
    // An empty line ends the header section (RFC 3261 §7).
    if (first === undefined || first === CR || first === LF) return undefined;
    if ((first | 0x20) === 0x75 && isUserAgentName(data, start, end)) {
      let i = start + USER_AGENT.length;
      while (i < end && (data[i] === 0x20 || data[i] === 0x09)) i++;
      if (data[i] !== 0x3a) return undefined; // ':'
      i++;
      let stop = data.indexOf(LF, i);
      if (stop < 0 || stop > end) stop = end;
      return data.toString('latin1', i, stop).trim();
    }
    lineStart = data.indexOf(LF, start);
  }
  return undefined;
}

function isUserAgentName(data: Buffer, start: number, end: number): boolean {
  if (start + USER_AGENT.length > end) return false;
  for (let k = 0; k < USER_AGENT.length; k++) {
    if (((data[start + k] ?? 0) | 0x20) !== USER_AGENT[k]) return false;
  }
  return true;
}

/** Matches User-Agents against the scanner list (case-insensitive substrings). */
export class ScannerDetector {
  private readonly patterns: string[];

  constructor(userAgents: readonly string[]) {
    this.patterns = userAgents.map((ua) => ua.toLowerCase()).filter((ua) => ua.length > 0);
  }

  get enabled(): boolean {
    return this.patterns.length > 0;
  }

  /** The matching scanner name, or undefined. */
  match(userAgent: string): string | undefined {
    const lower = userAgent.toLowerCase();
    return this.patterns.find((p) => lower.includes(p));
  }

  /** The scanner a raw packet announces, by its User-Agent header; undefined for others. */
  detect(data: Buffer): string | undefined {
    if (!this.enabled) return undefined;
    const userAgent = userAgentOf(data);
    return userAgent === undefined ? undefined : this.match(userAgent);
  }
}
