import { MetadataError } from './errors.js';
import {
  type AssociationTimes,
  type DataMode,
  emptyMetadata,
  type MetadataParticipant,
  type NameId,
  type RecordingMetadata,
} from './metadata-model.js';
import { guardXml } from './xml-guard.js';
import { attr, childrenNamed, childText, parseXmlTree, type XNode } from './xml-tree.js';

export const METADATA_CONTENT_TYPE = 'application/rs-metadata+xml';

export interface MetadataLimits {
  /** Bytes (default 256 KiB). */
  maxBytes?: number;
  /** Element nesting (default 16; RFC 7865 documents need about 5). */
  maxDepth?: number;
}

/**
 * Reads an RFC 7865 recording metadata document. Tolerates what SRCs send: the namespace with or
 * without `:1`, none, or a prefix (`rs:`); element names in any case (`participantStreamAssoc`,
 * `dataMode`); elements in any order; `Partial`; the draft-era forms (`id`/`session` attributes,
 * `<send>`/`<recv>`/`<aor>`/`<name>` inside `<participant>`). Refuses, with MetadataError, any
 * DOCTYPE/ENTITY (before parsing), documents over the size or depth limit, and non-XML.
 */
export function parseRecordingMetadata(xml: string | Buffer, limits: MetadataLimits = {}): RecordingMetadata {
  const maxBytes = limits.maxBytes ?? 256 * 1024;
  const size = typeof xml === 'string' ? Buffer.byteLength(xml, 'utf8') : xml.length;
  if (size > maxBytes) throw new MetadataError('too-large', `metadata is ${size} bytes (limit ${maxBytes})`);
  let text = typeof xml === 'string' ? xml : xml.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  guardXml(text, limits.maxDepth ?? 16);
  const root = parseXmlTree(text);
  if (root.name !== 'recording') {
    throw new MetadataError('not-recording', `root element is <${root.name}>, not <recording>`);
  }
  return readRecording(root);
}

function readRecording(root: XNode): RecordingMetadata {
  const md = emptyMetadata();
  const modeText = childText(root, 'datamode');
  if (modeText !== undefined) {
    const mode = modeText.trim().toLowerCase();
    if (mode === 'complete' || mode === 'partial') md.dataMode = mode as DataMode;
    else md.warnings.push(`unknown dataMode "${modeText.slice(0, 20)}", taken as complete`);
  }
  const need = (node: XNode, id: string | undefined, what: string): id is string => {
    if (id === undefined) md.warnings.push(`<${node.name}> without ${what} skipped`);
    return id !== undefined;
  };

  for (const g of childrenNamed(root, 'group')) {
    const groupId = attr(g, 'group_id', 'id');
    if (need(g, groupId, 'group_id')) md.groups.push({ groupId, ...times(g) });
  }

  for (const s of childrenNamed(root, 'session')) {
    const sessionId = attr(s, 'session_id', 'id');
    if (!need(s, sessionId, 'session_id')) continue;
    const session = {
      sessionId,
      sipSessionIds: texts(s, 'sipsessionid'),
      groupRefs: texts(s, 'group-ref', 'groupref'),
      ...times(s),
      ...optional('startTime', childText(s, 'start-time', 'starttime')),
      ...optional('endTime', childText(s, 'end-time', 'endtime')),
    };
    const groupAttr = attr(s, 'group_ref', 'group');
    if (groupAttr !== undefined && !session.groupRefs.includes(groupAttr)) session.groupRefs.push(groupAttr);
    md.sessions.push(session);
  }

  for (const p of childrenNamed(root, 'participant')) {
    const participantId = attr(p, 'participant_id', 'id');
    if (!need(p, participantId, 'participant_id')) continue;
    md.participants.push(readParticipant(p, participantId));
    // Draft-era: the participant carries its session and its streams itself.
    const session = attr(p, 'session', 'session_id');
    if (session !== undefined)
      md.participantSessionAssocs.push({ participantId, sessionId: session, ...times(p) });
    const send = texts(p, 'send');
    const recv = texts(p, 'recv');
    if (send.length > 0 || recv.length > 0) md.participantStreamAssocs.push({ participantId, send, recv });
  }

  for (const s of childrenNamed(root, 'stream')) {
    const streamId = attr(s, 'stream_id', 'id');
    if (!need(s, streamId, 'stream_id')) continue;
    md.streams.push({
      streamId,
      ...optional('sessionId', attr(s, 'session_id', 'session')),
      ...optional('label', childText(s, 'label')?.trim()),
    });
  }

  for (const a of childrenNamed(root, 'sessionrecordingassoc')) {
    const sessionId = attr(a, 'session_id', 'session');
    if (need(a, sessionId, 'session_id')) md.sessionRecordingAssocs.push({ sessionId, ...times(a) });
  }

  for (const a of childrenNamed(root, 'participantsessionassoc')) {
    const participantId = attr(a, 'participant_id', 'participant');
    const sessionId = attr(a, 'session_id', 'session');
    if (!need(a, participantId, 'participant_id') || !need(a, sessionId, 'session_id')) continue;
    md.participantSessionAssocs.push({ participantId, sessionId, ...times(a) });
  }

  for (const a of childrenNamed(root, 'participantstreamassoc')) {
    const participantId = attr(a, 'participant_id', 'participant');
    if (!need(a, participantId, 'participant_id')) continue;
    md.participantStreamAssocs.push({
      participantId,
      send: texts(a, 'send'),
      recv: texts(a, 'recv'),
      ...times(a),
    });
  }
  return md;
}

function readParticipant(p: XNode, participantId: string): MetadataParticipant {
  const nameIds: NameId[] = childrenNamed(p, 'nameid').map((n) => ({
    ...optional('aor', attr(n, 'aor') ?? childText(n, 'aor')),
    names: childrenNamed(n, 'name').map(localizedName),
  }));
  // Draft-era: <aor> and <name> directly inside <participant>.
  const bareAor = childText(p, 'aor');
  const bareNames = childrenNamed(p, 'name').map(localizedName);
  if (bareAor !== undefined || bareNames.length > 0) {
    nameIds.push({ ...optional('aor', bareAor), names: bareNames });
  }
  const first = nameIds.find((n) => n.aor !== undefined) ?? nameIds[0];
  const firstName = nameIds.flatMap((n) => n.names)[0];
  return {
    participantId,
    nameIds,
    ...optional('aor', first?.aor),
    ...optional('name', firstName?.value),
  };
}

function localizedName(n: XNode): { value: string; lang?: string } {
  return { value: n.text, ...optional('lang', attr(n, 'lang')) };
}

function times(node: XNode): AssociationTimes {
  return {
    ...optional('associateTime', childText(node, 'associate-time', 'associatetime')),
    ...optional('disassociateTime', childText(node, 'disassociate-time', 'disassociatetime')),
  };
}

function texts(node: XNode, ...names: string[]): string[] {
  return childrenNamed(node, ...names)
    .map((c) => c.text.trim())
    .filter((t) => t !== '');
}

/** `{ key: value }` when the value is defined, `{}` otherwise (keeps absent fields absent). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
