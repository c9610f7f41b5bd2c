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
