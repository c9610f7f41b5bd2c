type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTION_LINE = /^a=(sendrecv|sendonly|recvonly|inactive)\r?$/;

/**
 * Sets every media section's direction attribute (RFC 4566 §6: a=sendrecv/sendonly/recvonly/
 * inactive), dropping a session-level one so the media-level value rules. Line endings are kept.
 */
export function setSdpDirection(sdp: string, direction: Direction): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  const out: string[] = [];
  let inMedia = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      inMedia = true;
      out.push(line, `a=${direction}`);
      continue;
    }
    if (DIRECTION_LINE.test(line)) continue;
    out.push(line);
  }
  return inMedia ? out.join(eol) : sdp;
}

/**
 * Whether an SDP puts its media on hold: no media section (port not 0) is sendrecv, counting a
 * session-level direction for sections without their own (RFC 4566 §6) and the old c=0.0.0.0
 * hold (RFC 3264 §8.4) as inactive.
 */
export function isHold(sdp: string): boolean {
  let session: Direction = 'sendrecv';
  let sessionZero = false;
  const sections: Array<{ direction?: Direction; zero?: boolean; disabled: boolean }> = [];
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    const section = sections.at(-1);
    if (line.startsWith('m=')) {
      sections.push({ disabled: /^m=\S+ 0[ /]/.test(line) });
      continue;
    }
    const direction = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line)?.[1] as Direction | undefined;
    const zero = line.startsWith('c=') ? /^c=IN IP4 0\.0\.0\.0$/.test(line) : undefined;
    if (section === undefined) {
      if (direction) session = direction;
      if (zero !== undefined) sessionZero = zero;
    } else {
      if (direction) section.direction = direction;
      if (zero !== undefined) section.zero = zero;
    }
  }
  const active = sections.filter((s) => !s.disabled);
  if (active.length === 0) return false;
  return active.every((s) => (s.zero ?? sessionZero) || (s.direction ?? session) !== 'sendrecv');
}
