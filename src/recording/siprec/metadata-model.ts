/**
 * The recording metadata model of RFC 7865 §6 as the SRS keeps it. Identifiers (base64 in
 * RFC 7865 §6.9, free text in the drafts) stay strings, compared exactly. Times are the
 * xs:dateTime text as sent. Optional fields are absent when the document did not carry them,
 * which is what lets a partial update (RFC 7865 §6.1.1) change only what it names.
 */

export type DataMode = 'complete' | 'partial';

export interface AssociationTimes {
  associateTime?: string;
  disassociateTime?: string;
}

export interface LocalizedName {
  value: string;
  /** xml:lang, when given. */
  lang?: string;
}

/** RFC 7865 §6.5: `<nameID aor="...">` with zero or more `<name>`. */
export interface NameId {
  aor?: string;
  names: LocalizedName[];
}

/** RFC 7865 §6.2 (Communication Session Group). */
export interface MetadataGroup extends AssociationTimes {
  groupId: string;
}

/** RFC 7865 §6.3 (Communication Session). */
export interface MetadataSession extends AssociationTimes {
  sessionId: string;
  /** RFC 7865 §6.3: Session-ID header values (RFC 7989) of the CS. */
  sipSessionIds: string[];
  groupRefs: string[];
  startTime?: string;
  endTime?: string;
}

/** RFC 7865 §6.5 (Participant). */
export interface MetadataParticipant {
  participantId: string;
  nameIds: NameId[];
  /** The first nameID's aor, for convenience. */
  aor?: string;
  /** The first name of the first nameID, for convenience. */
  name?: string;
}

/** RFC 7865 §6.6 (Media Stream): `label` is the SDP a=label of the RS stream carrying it. */
export interface MetadataStream {
  streamId: string;
  sessionId?: string;
  label?: string;
}

/** RFC 7865 §6.4: the CS is being recorded from associate-time until disassociate-time. */
export interface SessionRecordingAssoc extends AssociationTimes {
  sessionId: string;
}

/** RFC 7865 §6.7: a participant in a CS. */
export interface ParticipantSessionAssoc extends AssociationTimes {
  participantId: string;
  sessionId: string;
}

/** RFC 7865 §6.8: the streams a participant sends and receives. */
export interface ParticipantStreamAssoc extends AssociationTimes {
  participantId: string;
  send: string[];
  recv: string[];
}

export interface RecordingMetadata {
  dataMode: DataMode;
  groups: MetadataGroup[];
  sessions: MetadataSession[];
  participants: MetadataParticipant[];
  streams: MetadataStream[];
  sessionRecordingAssocs: SessionRecordingAssoc[];
  participantSessionAssocs: ParticipantSessionAssoc[];
  participantStreamAssocs: ParticipantStreamAssoc[];
  /** Things skipped while reading (an element without its id, an unknown dataMode): never fatal. */
  warnings: string[];
}

export function emptyMetadata(dataMode: DataMode = 'complete'): RecordingMetadata {
  return {
    dataMode,
    groups: [],
    sessions: [],
    participants: [],
    streams: [],
    sessionRecordingAssocs: [],
    participantSessionAssocs: [],
    participantStreamAssocs: [],
    warnings: [],
  };
}
