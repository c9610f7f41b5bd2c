import { type NgText, type NgTextDict, textOf } from '../../ng/index.js';
import type { MediaSessionStatistics, MediaStreamStatistics } from '../types.js';

function dict(value: NgText | undefined): NgTextDict | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function list(value: NgText | undefined): NgText[] {
  return Array.isArray(value) ? value : [];
}

function num(value: NgText | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/**
 * rtpengine's per-SSRC quality (the `SSRC` dictionary of a query or delete reply, keyed by SSRC):
 * `average MOS` holds MOS ×10, jitter in ms, packet loss in percent and round-trip time in µs,
 * computed by rtpengine from the RTCP reports it relays (so absent when the endpoints send none).
 */
interface SsrcQuality {
  mos?: number;
  rttMs?: number;
  jitterMs?: number;
}

function ssrcQuality(reply: NgTextDict): Map<number, SsrcQuality> {
  const out = new Map<number, SsrcQuality>();
  const ssrcs = dict(reply['SSRC']);
  if (ssrcs === undefined) return out;
  for (const [key, value] of Object.entries(ssrcs)) {
    const entry = dict(value);
    const average = dict(entry?.['average MOS']);
    if (average === undefined) continue;
    const quality: SsrcQuality = {};
    const mos = num(average['MOS']);
    // rtpengine reports MOS ×10 (10..45); 0 means "not computed".
    if (mos !== undefined && mos > 0) quality.mos = mos / 10;
    const rtt = num(average['round-trip time']);
    if (rtt !== undefined && rtt > 0) quality.rttMs = rtt / 1000;
    const jitter = num(average['jitter']);
    if (jitter !== undefined) quality.jitterMs = jitter;
    out.set(Number(key), quality);
  }
  return out;
}

/**
 * A query (or delete) reply as MediaSessionStatistics: one entry per stream of each tag's medias.
 * In rtpengine a tag's stream is the socket that tag sends to, so its `stats` count what that side
 * sent. rtpengine 10.5's per-stream stats are packets, bytes and errors only: `lost` and
 * `duplicates` stay 0 (its SSRC table has loss as a percentage of RTCP reports, not a count);
 * jitter, MOS and RTT come from the SSRC table when the endpoints exchanged RTCP.
 */
export function sessionStatistics(callId: string, reply: NgTextDict): MediaSessionStatistics {
  const createdS = num(reply['created']) ?? 0;
  const quality = ssrcQuality(reply);
  const streams: MediaStreamStatistics[] = [];
  const tags = dict(reply['tags']) ?? {};
  for (const [tagKey, tagValue] of Object.entries(tags)) {
    const tag = dict(tagValue);
    if (tag === undefined) continue;
    const fromTag = textOf(tag['tag']) ?? tagKey;
    const label = textOf(tag['label']);
    for (const media of list(tag['medias'])) {
      for (const streamValue of list(dict(media)?.['streams'])) {
        const stream = dict(streamValue);
        if (stream === undefined) continue;
        const flags = list(stream['flags']).map((f) => textOf(f));
        const stats = dict(stream['stats']) ?? {};
        const out: MediaStreamStatistics = {
          fromTag,
          component: flags.includes('RTCP') ? 'rtcp' : 'rtp',
          packets: num(stats['packets']) ?? 0,
          bytes: num(stats['bytes']) ?? 0,
          lost: 0,
          duplicates: 0,
          jitterMs: 0,
        };
        if (label !== undefined && label !== '') out.label = label;
        const endpoint = dict(stream['endpoint']);
        const address = textOf(endpoint?.['address']);
        const port = num(endpoint?.['port']);
        if (address !== undefined && port !== undefined && port > 0)
          out.latchedTo = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
        const last = num(stream['last packet']);
        if (last !== undefined && last > 0) out.lastPacketAt = last * 1000;
        const ssrc = num(stream['SSRC']);
        const q = ssrc === undefined ? undefined : quality.get(ssrc);
        if (q?.mos !== undefined && out.component === 'rtp') out.mos = q.mos;
        if (q?.rttMs !== undefined && out.component === 'rtp') out.rttMs = q.rttMs;
        if (q?.jitterMs !== undefined && out.component === 'rtp') out.jitterMs = q.jitterMs;
        streams.push(out);
      }
    }
  }
  return { callId, createdAt: createdS * 1000, streams };
}
