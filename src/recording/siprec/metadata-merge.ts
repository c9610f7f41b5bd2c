import type {
  MetadataGroup,
  MetadataParticipant,
  MetadataSession,
  MetadataStream,
  ParticipantStreamAssoc,
  RecordingMetadata,
} from './metadata-model.js';

/**
 * Applies a metadata update to the SRS's current view. RFC 7865 §6.1.1 / RFC 7866 §6.1: a
 * `complete` document replaces the view; a `partial` one carries only what changed, so every
 * element it names is upserted by its id (fields it carries overwrite, fields it omits are kept)
 * and everything it does not name stays as it was. Nothing is dropped: a participant that leaves
 * keeps its entry and gains a disassociate-time.
 */
export function mergeMetadata(current: RecordingMetadata, update: RecordingMetadata): RecordingMetadata {
  if (update.dataMode === 'complete') return structuredClone(update);
  return {
    dataMode: current.dataMode,
    groups: upsert(current.groups, update.groups, (g) => g.groupId, mergeGroup),
    sessions: upsert(current.sessions, update.sessions, (s) => s.sessionId, mergeSession),
    participants: upsert(current.participants, update.participants, (p) => p.participantId, mergeParticipant),
    streams: upsert(current.streams, update.streams, (s) => s.streamId, mergeStream),
    sessionRecordingAssocs: upsert(
      current.sessionRecordingAssocs,
      update.sessionRecordingAssocs,
      (a) => a.sessionId,
      mergeTimes,
    ),
    participantSessionAssocs: upsert(
      current.participantSessionAssocs,
      update.participantSessionAssocs,
      (a) => `${a.participantId}\u0000${a.sessionId}`,
      mergeTimes,
    ),
    participantStreamAssocs: upsert(
      current.participantStreamAssocs,
      update.participantStreamAssocs,
      (a) => a.participantId,
      mergeStreamAssoc,
    ),
    warnings: [...current.warnings, ...update.warnings],
  };
}

function upsert<T>(current: T[], update: T[], key: (t: T) => string, merge: (a: T, b: T) => T): T[] {
  const out = current.map((t) => structuredClone(t));
  const index = new Map(out.map((t, i) => [key(t), i]));
  for (const u of update) {
    const k = key(u);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, out.length);
      out.push(structuredClone(u));
    } else out[at] = merge(out[at]!, structuredClone(u));
  }
  return out;
}

/** Defined fields of `b` overwrite `a` (ids, label, association times). */
function mergeTimes<T extends object>(a: T, b: T): T {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function mergeGroup(a: MetadataGroup, b: MetadataGroup): MetadataGroup {
  return mergeTimes(a, b);
}

function mergeSession(a: MetadataSession, b: MetadataSession): MetadataSession {
  return {
    ...mergeTimes(a, b),
    // Session-IDs and group references accumulate: an update adds, it cannot retract by omission.
    sipSessionIds: union(a.sipSessionIds, b.sipSessionIds),
    groupRefs: union(a.groupRefs, b.groupRefs),
  };
}

function mergeParticipant(a: MetadataParticipant, b: MetadataParticipant): MetadataParticipant {
  if (b.nameIds.length === 0) return a;
  return { ...a, ...b };
}

function mergeStream(a: MetadataStream, b: MetadataStream): MetadataStream {
  return mergeTimes(a, b);
}

function mergeStreamAssoc(a: ParticipantStreamAssoc, b: ParticipantStreamAssoc): ParticipantStreamAssoc {
  const out = mergeTimes(a, b);
  // send/recv describe the participant's current streams (RFC 7865 §6.8): an update that lists
  // either replaces that list; one carrying only times keeps them.
  out.send = b.send.length > 0 || b.recv.length > 0 ? b.send : a.send;
  out.recv = b.send.length > 0 || b.recv.length > 0 ? b.recv : a.recv;
  return out;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

/**
 * The participant who sends on the RS stream with this SDP a=label: stream label → stream_id →
 * the participantstreamassoc whose `send` lists it (RFC 7865 §6.6, §6.8). When several do (a
 * transfer: the one who left may still be listed), a participant still associated — neither the
 * stream association nor every session association ended — wins, the most recently added first.
 */
export function participantForLabel(
  metadata: RecordingMetadata,
  label: string,
): MetadataParticipant | undefined {
  const wanted = label.trim();
  const streamIds = new Set(metadata.streams.filter((s) => s.label === wanted).map((s) => s.streamId));
  if (streamIds.size === 0) return undefined;
  const senders = metadata.participantStreamAssocs.filter((a) => a.send.some((id) => streamIds.has(id)));
  const active = senders.filter(
    (a) => a.disassociateTime === undefined && !hasLeft(metadata, a.participantId),
  );
  const chosen = active[active.length - 1] ?? senders[senders.length - 1];
  if (!chosen) return undefined;
  return metadata.participants.find((p) => p.participantId === chosen.participantId);
}

/** True when the participant has session associations and every one of them has ended. */
function hasLeft(metadata: RecordingMetadata, participantId: string): boolean {
  const assocs = metadata.participantSessionAssocs.filter((a) => a.participantId === participantId);
  return assocs.length > 0 && assocs.every((a) => a.disassociateTime !== undefined);
}
