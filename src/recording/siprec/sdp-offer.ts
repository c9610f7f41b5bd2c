import { parse } from 'sdp-transform';
import type { PayloadFormat } from '../types.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface OfferedCodec extends PayloadFormat {
  payloadType: number;
  /** a=fmtp parameters, as written. */
  fmtp?: string;
}

export interface OfferedStream {
  /** 0-based m= line position. */
  index: number;
  /** `audio`, `video`, `application`, ... */
  media: string;
  port: number;
  protocol: string;
  /** a=label (RFC 4574) exactly as written, when present. */
  label?: string;
  /** Media-level direction, else session-level, else sendrecv (RFC 4566 §6). */
  direction: Direction;
  codecs: OfferedCodec[];
  /** The format list of the m= line, in order, as written. */
  formats: string[];
  ptime?: number;
  maxptime?: number;
}

// RFC 3551 §6 static payload types the recorder may meet without an a=rtpmap.
const STATIC: Record<number, PayloadFormat> = {
  0: { encoding: 'PCMU', clockRate: 8000, channels: 1 },
  3: { encoding: 'GSM', clockRate: 8000, channels: 1 },
  4: { encoding: 'G723', clockRate: 8000, channels: 1 },
  8: { encoding: 'PCMA', clockRate: 8000, channels: 1 },
  9: { encoding: 'G722', clockRate: 8000, channels: 1 },
  18: { encoding: 'G729', clockRate: 8000, channels: 1 },
};

const DIRECTIONS = new Set<string>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** Lists the m= lines of an offer: label, direction and codecs of each (for re-INVITE comparison). */
export function offeredStreams(offerSdp: string): OfferedStream[] {
  const session = parse(offerSdp);
  const sessionDirection = DIRECTIONS.has(session.direction ?? '')
    ? (session.direction as Direction)
    : 'sendrecv';
  const labels = rawLabels(offerSdp);
  return (session.media ?? []).map((m, index) => {
    const formats = String(m.payloads ?? '')
      .split(/\s+/)
      .filter((f) => f !== '');
    const codecs: OfferedCodec[] = [];
    for (const f of formats) {
      const pt = Number(f);
      if (!Number.isInteger(pt) || pt < 0 || pt > 127) continue;
      const rtp = m.rtp?.find((r) => r.payload === pt);
      const fmtp = m.fmtp?.find((x) => x.payload === pt)?.config;
      const format: PayloadFormat | undefined = rtp
        ? {
            encoding: String(rtp.codec).toUpperCase(),
            clockRate: rtp.rate ?? 8000,
            channels: Number(rtp.encoding ?? 1) || 1,
          }
        : STATIC[pt];
      if (!format) continue;
      codecs.push({ payloadType: pt, ...format, ...(fmtp !== undefined ? { fmtp: String(fmtp) } : {}) });
    }
    const direction = DIRECTIONS.has(m.direction ?? '') ? (m.direction as Direction) : sessionDirection;
    const label = labels[index];
    return {
      index,
      media: m.type,
      port: m.port,
      protocol: m.protocol,
      ...(label !== undefined ? { label } : {}),
      direction,
      codecs,
      formats,
      ...(m.ptime !== undefined ? { ptime: Number(m.ptime) } : {}),
      ...(m.maxptime !== undefined ? { maxptime: Number(m.maxptime) } : {}),
    };
  });
}

/**
 * a=label of each m= section read from the text itself: sdp-transform turns "01" into the
 * number 1, and labels are opaque tokens (RFC 4574 §5) that must match the metadata exactly.
 */
function rawLabels(sdp: string): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  let media = -1;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      media++;
      out[media] = undefined;
    } else if (media >= 0 && line.startsWith('a=label:') && out[media] === undefined) {
      out[media] = line.slice(8).trim();
    }
  }
  return out;
}
