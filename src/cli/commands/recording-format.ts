import type { RecordingLeg, RecordingPolicy, RecordingSummary } from '../../recording/types.js';
import { usage } from './api-client.js';
import { formatTable } from './table.js';

/** The recordings as a table for people. */
export function recordingTable(recordings: readonly RecordingSummary[]): string {
  return formatTable(
    ['ID', 'CALL-ID', 'SOURCE', 'STATUS', 'STARTED', 'STOPPED', 'LEGS', 'OUTPUT'],
    recordings.map((r) => [
      r.id,
      r.callId,
      r.source,
      r.status,
      r.startedAt,
      r.stoppedAt ?? '',
      String(r.legs.length),
      output(r),
    ]),
  );
}

/** One recording, field by field, then its legs. */
export function recordingDetails(r: RecordingSummary, metadata: Record<string, unknown> | undefined): string {
  const fields: Array<[string, string | undefined]> = [
    ['id', r.id],
    ['call id', r.callId],
    ['source', r.source],
    ['status', r.status],
    ['started', r.startedAt],
    ['stopped', r.stoppedAt],
    ['failure', r.failure],
    ['output', output(r)],
    ['duration', duration(metadata)],
  ];
  const shown = fields.filter((f): f is [string, string] => f[1] !== undefined);
  const width = Math.max(...shown.map(([name]) => name.length)) + 1;
  let text = shown.map(([name, value]) => `${`${name}:`.padEnd(width)} ${value}\n`).join('');
  if (r.legs.length > 0) {
    text += `\n${formatTable(
      ['LEG', 'LABEL', 'PARTICIPANT', 'CODECS'],
      r.legs.map((leg) => [String(leg.index), leg.label, participant(leg), codecs(leg)]),
    )}`;
  }
  return text;
}

/** One line after start/stop/pause/resume. */
export function recordingLine(verb: string, r: RecordingSummary): string {
  const legs = `${r.legs.length} leg${r.legs.length === 1 ? '' : 's'}`;
  return `${verb} recording ${r.id} of call ${r.callId} (${r.status}, ${legs}, ${output(r)})\n`;
}

export function policyTable(policies: readonly RecordingPolicy[]): string {
  return formatTable(
    ['SUBSCRIBER', 'FILES', 'STREAM', 'CREATED'],
    policies.map((p) => [p.subscriber, p.store ? 'kept' : 'none', p.streamUrl ?? '', p.createdAt]),
  );
}

function output(r: { stored: boolean; streamUrl?: string }): string {
  const parts = [r.stored ? 'files' : 'no files'];
  if (r.streamUrl) parts.push(`stream ${r.streamUrl}`);
  return parts.join(', ');
}

function participant(leg: RecordingLeg): string {
  const p = leg.participant;
  if (!p) return '';
  if (p.name && p.aor) return `${p.name} <${p.aor}>`;
  return p.name ?? p.aor ?? '';
}

function codecs(leg: RecordingLeg): string {
  return Object.entries(leg.payloadTypes)
    .map(([pt, f]) => `${pt} ${f.encoding}/${f.clockRate}${f.channels > 1 ? `/${f.channels}` : ''}`)
    .join(', ');
}

/** The length of the mixed file, from the metadata document of a finished stored recording. */
function duration(metadata: Record<string, unknown> | undefined): string | undefined {
  const files = metadata?.['files'] as { durationSeconds?: unknown } | undefined;
  const seconds = files?.durationSeconds;
  return typeof seconds === 'number' ? `${seconds.toFixed(1)} s` : undefined;
}

/** A whole number within bounds, for --limit, --offset and --leg. */
export function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw usage(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`);
  }
  return n;
}

/** Bytes for people: 1.5 MB. */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
