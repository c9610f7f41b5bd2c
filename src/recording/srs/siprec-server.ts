import type { Logger } from 'pino';
import type { SipRequest } from '../../sip/message/index.js';
import type { IncomingRequest, InviteServerSession } from '../../sip/ua/index.js';
import type { RecordingManager } from '../recording-manager.js';
import type { RecordingDocument } from '../session/document.js';
import type { NegotiatedMedia } from '../session/negotiate.js';
import { RECORDABLE_ENCODINGS } from '../session/negotiate.js';
import {
  buildSrsAnswer,
  isSiprecInvite,
  MetadataError,
  MultipartError,
  mergeMetadata,
  offeredStreams,
  parseRecordingMetadata,
  participantForLabel,
  type RecordingMetadata,
  SdpNegotiationError,
  splitSiprecBody,
} from '../siprec/index.js';
import { RecordingError, type RecordingLeg } from '../types.js';

/** What the SRS uses of the recording service. */
export type SrsRecordings = Pick<RecordingManager, 'startSignalled' | 'update' | 'stop'>;

export interface SiprecServerOptions {
  /**
   * Longest the 200 to a client's BYE waits for the recording to be finished (files closed,
   * metadata and index written, recording.stopped published); then the 200 goes anyway, the
   * recording finishes behind it and a warning says so. 4 s by default: well inside the client's
   * Timer F (32 s, RFC 3261 §17.1.2.2) and far above a normal finish; the UA core keeps the
   * timer and never waits past 32·T1 whatever is asked (InviteSession.holdByeAnswer).
   */
  byeHoldMs?: number;
}

/** A SIPREC recording session (RS) in progress: its dialog and its recording. */
interface RecordingSessionDialog {
  id: string;
  media: NegotiatedMedia;
  metadata: RecordingMetadata | undefined;
  /** o= version of our last answer (RFC 3264 §8: +1 per new answer). */
  version: number;
  ended: boolean;
}

/**
 * The SIPREC recording server (RFC 7866 SRS): takes INVITEs from recording clients (SBCs, PBXs)
 * with SDP and RFC 7865 metadata, answers recvonly, records each labelled stream as a leg, applies
 * metadata updates from re-INVITEs and BYE, follows hold/resume, and ends on BYE. Anything that is
 * not a SIPREC INVITE is refused (403), bad bodies get 400, unusable SDP 488.
 */
export class SiprecServer {
  private readonly byeHoldMs: number;

  constructor(
    private readonly recordings: SrsRecordings,
    private readonly logger: Logger,
    options: SiprecServerOptions = {},
  ) {
    this.byeHoldMs = options.byeHoldMs ?? 4_000;
  }

  /** Option tags for the UA core's Supported and Require checks (RFC 7866 §6.1.1). */
  static readonly optionTags = ['siprec'];

  handle(session: InviteServerSession): void {
    this.answer(session).catch((e: unknown) => {
      this.logger.error({ err: e }, 'SIPREC INVITE failed');
      session.reject(500);
    });
  }

  private async answer(session: InviteServerSession): Promise<void> {
    const invite = session.invite;
    const contentType = invite.get('content-type');
    const kind = isSiprecInvite({
      require: invite.getAll('require'),
      contact: invite.getAll('contact'),
      ...(contentType !== undefined ? { contentType } : {}),
      body: invite.body,
    });
    if (kind.kind === 'not-siprec') {
      session.reject(kind.status, { reason: kind.reasonPhrase });
      return;
    }
    const parsed = this.readBody(invite);
    if ('status' in parsed) {
      session.reject(parsed.status, { reason: parsed.reason });
      return;
    }
    if (parsed.sdp === undefined) {
      // An SRS answers an offer; offerless SIPREC INVITEs are not supported (RFC 7866 §7.1.1 has the SRC offer).
      session.reject(488, { reason: 'SDP Offer Required' });
      return;
    }
    const metadata = parsed.metadata;
    const callId = metadata?.sessions.flatMap((s) => s.sipSessionIds)[0] ?? invite.callId;
    let started: Awaited<ReturnType<RecordingManager['startSignalled']>>;
    try {
      started = await this.recordings.startSignalled({
        callId,
        source: 'siprec',
        offer: parsed.sdp,
        store: true,
        document: metadata ? { siprec: metadata } : {},
      });
    } catch (e) {
      if (e instanceof RecordingError && e.code === 'invalid')
        session.reject(488, { reason: 'No Usable Media' });
      else if (e instanceof RecordingError && e.code === 'unavailable') session.reject(503);
      else throw e;
      return;
    }
    const rs: RecordingSessionDialog = {
      id: started.id,
      media: started.media,
      metadata,
      version: 1,
      ended: false,
    };
    this.applyMetadata(rs);
    session.on('reinvite', (incoming) => this.reinvite(rs, incoming));
    // The 200 to BYE waits for the recording to finish (bounded): a client that has it can rely on
    // the recording being complete and recording.stopped published before it.
    session.holdByeAnswer({
      until: (bye) => this.endOnBye(rs, bye),
      boundMs: this.byeHoldMs,
      onBound: () =>
        this.logger.warn(
          { id: rs.id, boundMs: this.byeHoldMs },
          'SIPREC BYE answered before its recording finished; it finishes in the background',
        ),
    });
    session.on('terminated', (cause) => void this.end(rs, cause));
    session.accept({ body: started.sdp });
  }

  /** RFC 7866 §7.1.2: a re-INVITE may change media (hold, resume) and carry a metadata update. */
  private reinvite(rs: RecordingSessionDialog, incoming: IncomingRequest): void {
    const parsed = this.readBody(incoming.request);
    if ('status' in parsed) {
      incoming.reject(parsed.status, { reason: parsed.reason });
      return;
    }
    if (parsed.metadata) this.merge(rs, parsed.metadata);
    if (parsed.sdp === undefined) {
      incoming.accept({ body: rs.media.sdp });
      return;
    }
    try {
      const offered = offeredStreams(parsed.sdp);
      // Streams keep their ports by label; streams added mid-session are declined (port 0).
      const ports = offered.map((s) => {
        const leg = rs.media.legs.find((l) => l.label === (s.label ?? `m${s.index}`));
        return leg ? rs.media.allocations[leg.index]!.port : 0;
      });
      rs.version++;
      const answer = buildSrsAnswer(parsed.sdp, {
        address: rs.media.address,
        ports,
        supported: RECORDABLE_ENCODINGS,
        sessionVersion: rs.version,
      });
      rs.media.sdp = answer.sdp;
      const onHold = answer.streams.every((s) => s.port === 0 || s.direction === 'inactive');
      this.recordings.update(rs.id, { onHold });
      incoming.accept({ body: answer.sdp });
    } catch (e) {
      if (e instanceof SdpNegotiationError) incoming.reject(488, { reason: 'No Usable Media' });
      else throw e;
    }
  }

  private merge(rs: RecordingSessionDialog, update: RecordingMetadata): void {
    rs.metadata = rs.metadata ? mergeMetadata(rs.metadata, update) : update;
    this.applyMetadata(rs);
  }

  /** Keep the merged metadata in the recording's document, and name each leg's participant. */
  private applyMetadata(rs: RecordingSessionDialog): void {
    const metadata = rs.metadata;
    if (!metadata) return;
    const legs: RecordingLeg[] = rs.media.legs.map((leg) => {
      const who = participantForLabel(metadata, leg.label);
      if (!who) return leg;
      const participant: { aor?: string; name?: string } = {};
      if (who.aor !== undefined) participant.aor = who.aor;
      if (who.name !== undefined) participant.name = who.name;
      return { ...leg, participant };
    });
    const document: Partial<RecordingDocument> = { siprec: metadata, legs };
    this.recordings.update(rs.id, { document });
  }

  /** A BYE may carry a last metadata update (RFC 7866 §9); then the recording ends. */
  private endOnBye(rs: RecordingSessionDialog, bye: SipRequest): Promise<void> {
    try {
      const update = this.readBody(bye);
      if (!('status' in update) && update.metadata) this.merge(rs, update.metadata);
    } catch (e) {
      // The recording still ends; only the last update is missing from its document.
      this.logger.error({ err: e, id: rs.id }, 'SIPREC BYE metadata not applied');
    }
    return this.end(rs, 'bye');
  }

  /**
   * Stops the recording once; never rejects. The manager logs and counts a recording that ends
   * failed; a stop that throws is logged here.
   */
  private async end(rs: RecordingSessionDialog, reason: string): Promise<void> {
    if (rs.ended) return;
    rs.ended = true;
    await this.recordings.stop(rs.id, reason).catch((e: unknown) => {
      // A RecordingError: it had already ended (media timeout), and said so then.
      if (!(e instanceof RecordingError)) this.logger.error({ err: e, id: rs.id }, 'SIPREC stop failed');
    });
  }

  /** The SDP and metadata of an INVITE, re-INVITE or BYE, or the 4xx that refuses it. */
  private readBody(
    request: SipRequest,
  ): { sdp?: string; metadata?: RecordingMetadata } | { status: number; reason: string } {
    try {
      const body = splitSiprecBody(request.get('content-type'), request.body);
      const out: { sdp?: string; metadata?: RecordingMetadata } = {};
      if (body.sdp !== undefined) out.sdp = body.sdp;
      if (body.metadata !== undefined) out.metadata = parseRecordingMetadata(body.metadata);
      return out;
    } catch (e) {
      if (e instanceof MultipartError) return { status: 400, reason: 'Bad Multipart Body' };
      if (e instanceof MetadataError) return { status: 400, reason: 'Bad Recording Metadata' };
      throw e;
    }
  }
}
