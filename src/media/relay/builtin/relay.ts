import { randomUUID } from 'node:crypto';
import type { DtlsCertificate } from '../../dtls/index.js';
import { rewriteSdp, type SdpStream, sdpStreams } from '../sdp/rewrite.js';
import type {
  MediaAnswerRequest,
  MediaDeleteRequest,
  MediaEvent,
  MediaEventListener,
  MediaOfferRequest,
  MediaRelay,
  MediaSessionStatistics,
  MediaSubscribeRequest,
  MediaSubscription,
  RelayedSdp,
} from '../types.js';
import type { RelayEngines } from './engines.js';
import { MediaRelayError } from './errors.js';
import type { EndpointConfig, EndpointFork, EndpointStats, RelayCounters } from './protocol.js';
import {
  AVP,
  endpointSrtp,
  fromAnswer,
  fromOffer,
  SAVP,
  type StreamSdes,
  sdpProfile,
  towards,
} from './sdes.js';
import { sessionStatistics } from './statistics.js';
import { type ForkedStream, type Subscription, subscriptionSdp } from './subscription.js';
import {
  endpointWebRtc,
  type StreamWebRtc,
  WEBRTC,
  webRtcAttributes,
  webRtcFromAnswer,
  webRtcFromOffer,
  webRtcTowards,
} from './webrtc.js';

interface Leg {
  tag: string;
  label?: string;
  /** One port pair per m= section, in SDP order. */
  endpoints: Array<{ id: number; port: number }>;
  /** What this side's latest SDP said. */
  streams: SdpStream[];
  /** That SDP as sent (a subscription's offer takes the codecs from it). */
  sdp?: string;
  latch: boolean;
  /** The tag of the side this one is in dialogue with. */
  peer?: string;
  /** Per m= section: its profile and SDES keys (RFC 4568) when it speaks RTP/SAVP. */
  sdes: StreamSdes[];
  /** Per m= section: ICE and DTLS state when this side is WebRTC (UDP/TLS/RTP/SAVPF). */
  webrtc: Array<StreamWebRtc | undefined>;
}

interface Session {
  callId: string;
  createdAt: number;
  engine: number;
  /** By tag; '' is the side an offer went to before its answer named it (as rtpengine keeps it). */
  legs: Map<string, Leg>;
  /** Recorders forked from this call, by their to-tag. */
  subscriptions: Map<string, Subscription>;
  /** Requests of one call run one at a time. */
  queue: Promise<unknown>;
}

export interface BuiltinMediaRelayOptions {
  /** Announced in the SDP passed on (the bound address, or the NAT's). */
  advertisedAddress: string;
  engines: RelayEngines;
  now?: () => number;
  /**
   * Makes the node's DTLS certificate for WebRTC sides, called when the first one appears (and
   * again after a failure); without it WebRTC is refused.
   */
  certificate?: () => Promise<DtlsCertificate>;
  /** RFC 7675 consent timeout for WebRTC sides, ms; default 30 000. */
  consentMs?: number;
}

/**
 * The built-in MediaRelay: offers and answers are handled here, on the signalling thread (SDP
 * parsing and rewriting, the call's legs), and every packet in the engines (worker threads), which
 * this thread only asks to bind, configure, measure and free port pairs.
 */
export class BuiltinMediaRelay implements MediaRelay {
  readonly kind = 'builtin';
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<MediaEventListener>();
  private readonly now: () => number;
  private nextEngine = 0;
  private closed = false;
  /** The certificate, once handed to every engine. */
  private dtls: Promise<DtlsCertificate> | undefined;

  constructor(private readonly options: BuiltinMediaRelayOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Delivers an engine's event to the listeners (the engines are created with this as their sink). */
  dispatch(event: MediaEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener must not stop the others, nor the relay.
      }
    }
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async offer(request: MediaOfferRequest): Promise<RelayedSdp> {
    const streams = this.parse(request);
    const existing = this.sessions.get(request.callId);
    const session = existing ?? this.newSession(request.callId);
    return this.serial(session, async () => {
      try {
        const offerer = this.leg(session, request.fromTag);
        const other = this.leg(session, offerer.peer ?? '');
        this.update(offerer, request, streams);
        const where = `call ${request.callId}: offer from ${request.fromTag}`;
        offerer.sdes = streams.map((s, i) => fromOffer(s, offerer.sdes[i], `${where}, m= line ${i + 1}`));
        offerer.webrtc = streams.map((s, i) =>
          webRtcFromOffer(s, offerer.webrtc[i], i, `${where}, m= line ${i + 1}`),
        );
        other.sdes = streams.map((s, i) =>
          s.disabled
            ? { profile: s.profile, srtp: false, local: [] }
            : towards(request.transport ?? s.profile, other.sdes[i]),
        );
        other.webrtc = streams.map((s, i) =>
          s.disabled ? undefined : webRtcTowards(request.transport ?? s.profile, other.webrtc[i], i),
        );
        const fingerprint = await this.certificateFor(offerer, other);
        offerer.peer = other.tag;
        other.peer = offerer.tag;
        await this.ensureEndpoints(session, offerer, streams.length);
        await this.ensureEndpoints(session, other, streams.length);
        await this.configure(session, offerer);
        await this.configure(session, other);
        return { sdp: this.rewrite(request, streams, other, fingerprint) };
      } catch (error) {
        if (existing === undefined) await this.drop(session);
        throw error;
      }
    });
  }

  answer(request: MediaAnswerRequest): Promise<RelayedSdp> {
    const streams = this.parse(request);
    const session = this.sessions.get(request.callId);
    if (session === undefined) {
      return Promise.reject(
        new MediaRelayError(`answer for unknown call ${request.callId}: no offer was made`, 'unknown-call'),
      );
    }
    return this.serial(session, async () => {
      const offerer = session.legs.get(request.fromTag);
      if (offerer === undefined) {
        throw new MediaRelayError(
          `answer to an offer from tag ${request.fromTag} that call ${request.callId} never made`,
          'unknown-call',
        );
      }
      let answerer = session.legs.get(request.toTag);
      if (answerer === undefined) {
        // The side the offer went to now has a tag.
        answerer = session.legs.get(offerer.peer ?? '') ?? this.leg(session, '');
        session.legs.delete(answerer.tag);
        answerer.tag = request.toTag;
        session.legs.set(answerer.tag, answerer);
      }
      this.update(answerer, request, streams);
      const where = `call ${request.callId}: answer from ${request.toTag}`;
      answerer.sdes = streams.map((s, i) => fromAnswer(s, answerer.sdes[i], `${where}, m= line ${i + 1}`));
      answerer.webrtc = streams.map((s, i) =>
        webRtcFromAnswer(s, answerer.webrtc[i], `${where}, m= line ${i + 1}`),
      );
      const fingerprint = await this.certificateFor(answerer, offerer);
      answerer.peer = offerer.tag;
      offerer.peer = answerer.tag;
      await this.ensureEndpoints(session, answerer, streams.length);
      await this.ensureEndpoints(session, offerer, streams.length);
      await this.configure(session, answerer);
      await this.configure(session, offerer);
      return { sdp: this.rewrite(request, streams, offerer, fingerprint) };
    });
  }

  async delete(request: MediaDeleteRequest): Promise<MediaSessionStatistics | undefined> {
    const session = this.sessions.get(request.callId);
    if (session === undefined) return undefined;
    return this.serial(session, async () => {
      const tags = [request.fromTag, request.toTag].filter((t): t is string => t !== undefined);
      const going =
        tags.length === 0 ? [...session.legs.values()] : tags.flatMap((t) => session.legs.get(t) ?? []);
      const ids = going.flatMap((leg) => leg.endpoints.map((e) => e.id));
      const stats = (await this.options.engines.request(session.engine, {
        op: 'release',
        ids,
      })) as EndpointStats[];
      for (const leg of going) session.legs.delete(leg.tag);
      // Forks of the sides that went end with them (all of them when the session goes).
      await this.endForks(session, (stream) => !session.legs.has(stream.tag));
      if (session.legs.size === 0) this.sessions.delete(session.callId);
      else for (const leg of session.legs.values()) await this.configure(session, leg);
      return sessionStatistics(session.callId, session.createdAt, stats);
    });
  }

  async query(callId: string): Promise<MediaSessionStatistics | undefined> {
    const session = this.sessions.get(callId);
    if (session === undefined) return undefined;
    const ids = [...session.legs.values()].flatMap((leg) => leg.endpoints.map((e) => e.id));
    const stats = (await this.options.engines.request(session.engine, {
      op: 'stats',
      ids,
    })) as EndpointStats[];
    return sessionStatistics(callId, session.createdAt, stats);
  }

  /**
   * Forks the media the sides send to a recorder (rtpengine's `subscribe request`): a relay port
   * pair per side and m= section, offered sendonly; nothing is sent before subscribeAnswer.
   */
  async subscribe(request: MediaSubscribeRequest): Promise<MediaSubscription> {
    const session = this.known(request.callId, 'subscribe');
    return this.serial(session, async () => {
      const sides =
        request.fromTags?.map((tag) => {
          const leg = session.legs.get(tag);
          if (leg?.sdp === undefined)
            throw new MediaRelayError(
              `subscribe to call ${request.callId}: no side with tag ${tag} has sent SDP`,
              'unknown-call',
            );
          return leg;
        }) ?? [...session.legs.values()].filter((leg) => leg.sdp !== undefined);
      const wanted = sides.flatMap((leg) =>
        leg.streams.flatMap((s, index) => (s.disabled ? [] : [{ leg, index }])),
      );
      if (wanted.length === 0)
        throw new MediaRelayError(
          `subscribe to call ${request.callId}: it has no media to fork yet`,
          'failed',
        );
      const endpoints = await this.allocate(session, wanted.length);
      const streams: ForkedStream[] = wanted.map(({ leg, index }, i) => ({
        tag: leg.tag,
        index,
        label: String(i + 1),
        endpoint: endpoints[i]!,
      }));
      const toTag = `fork-${randomUUID()}`;
      session.subscriptions.set(toTag, { toTag, streams });
      const sdp = subscriptionSdp(
        wanted.map(({ leg, index }, i) => {
          // A side sends with the payload types its receiver declared (RFC 3264 §5.1).
          const peer = session.legs.get(leg.peer ?? '');
          const declared = peer?.sdp !== undefined && peer.streams[index] !== undefined ? peer.sdp : leg.sdp!;
          return { stream: streams[i]!, sdp: declared };
        }),
        this.options.advertisedAddress,
        request.siprec ?? false,
        this.now(),
      );
      const labels: MediaSubscription['labels'] = {};
      for (const stream of streams) labels[stream.label] = { tag: stream.tag, index: stream.index + 1 };
      return { sdp, toTag, labels };
    });
  }

  /** The recorder's answer (rtpengine's `subscribe answer`): from now on each stream is copied to its ports. */
  async subscribeAnswer(request: { callId: string; toTag: string; sdp: string }): Promise<void> {
    const session = this.known(request.callId, 'subscribe answer');
    return this.serial(session, async () => {
      const subscription = session.subscriptions.get(request.toTag);
      if (subscription === undefined)
        throw new MediaRelayError(
          `subscribe answer for call ${request.callId}: no subscription ${request.toTag}`,
          'unknown-call',
        );
      let answer: SdpStream[];
      try {
        answer = sdpStreams(request.sdp);
      } catch (error) {
        throw new MediaRelayError(
          `call ${request.callId}: unusable SDP from recorder ${request.toTag}: ${(error as Error).message}`,
          'bad-sdp',
        );
      }
      // RFC 3264 §6: the answer has as many m= lines as the offer.
      if (answer.length !== subscription.streams.length)
        throw new MediaRelayError(
          `call ${request.callId}: recorder ${request.toTag} answered ${answer.length} m= lines to ${subscription.streams.length}`,
          'bad-sdp',
        );
      for (const [i, stream] of subscription.streams.entries()) {
        const { rtp, rtcp } = answer[i]!;
        // A rejected (port 0) or held (no address) stream is not sent.
        if (rtp === undefined) delete stream.to;
        else stream.to = rtcp === undefined ? { rtp } : { rtp, rtcp };
        await this.options.engines.request(session.engine, {
          op: 'configure',
          id: stream.endpoint.id,
          config: this.forkEndpointConfig(session, subscription.toTag, stream),
        });
      }
      for (const leg of this.forkedLegs(session, subscription)) await this.configure(session, leg);
    });
  }

  /** Stops a fork and frees its ports (rtpengine's `unsubscribe`); one already gone is no error. */
  async unsubscribe(request: { callId: string; toTag: string }): Promise<void> {
    const session = this.sessions.get(request.callId);
    if (session === undefined) return;
    await this.serial(session, () => this.endForks(session, undefined, request.toTag));
  }

  onEvent(listener: MediaEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Relay-wide counters summed over the engines, and the sessions held. */
  async counters(): Promise<RelayCounters & { sessions: number }> {
    const all = (await Promise.all(
      Array.from({ length: this.options.engines.size }, (_, i) =>
        this.options.engines.request(i, { op: 'counters' }),
      ),
    )) as RelayCounters[];
    const sum: RelayCounters & { sessions: number } = {
      packets: 0,
      bytes: 0,
      dropped: { source: 0, malformed: 0, unrouted: 0, send: 0, srtp: 0, stun: 0, dtls: 0, consent: 0 },
      forked: 0,
      endpoints: 0,
      unmarked: 0,
      sessions: this.sessions.size,
    };
    for (const c of all) {
      sum.packets += c.packets;
      sum.bytes += c.bytes;
      sum.endpoints += c.endpoints;
      sum.forked += c.forked;
      sum.unmarked += c.unmarked;
      for (const key of Object.keys(sum.dropped) as Array<keyof RelayCounters['dropped']>)
        sum.dropped[key] += c.dropped[key];
    }
    return sum;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sessions.clear();
    await this.options.engines.close();
  }

  private parse(request: MediaOfferRequest): SdpStream[] {
    if (this.closed) throw new MediaRelayError('media relay closed', 'failed');
    if (
      request.transport !== undefined &&
      request.transport !== AVP &&
      request.transport !== SAVP &&
      request.transport !== WEBRTC
    ) {
      throw new MediaRelayError(
        `the built-in relay carries RTP/AVP, RTP/SAVP (SDES) and UDP/TLS/RTP/SAVPF (WebRTC), not ${request.transport}`,
        'unsupported',
      );
    }
    try {
      return sdpStreams(request.sdp);
    } catch (error) {
      throw new MediaRelayError(
        `call ${request.callId}: unusable SDP from ${request.fromTag}: ${(error as Error).message}`,
        'bad-sdp',
      );
    }
  }

  private newSession(callId: string): Session {
    const session: Session = {
      callId,
      createdAt: this.now(),
      engine: this.nextEngine,
      legs: new Map(),
      subscriptions: new Map(),
      queue: Promise.resolve(),
    };
    this.nextEngine = (this.nextEngine + 1) % this.options.engines.size;
    this.sessions.set(callId, session);
    return session;
  }

  private serial<T>(session: Session, task: () => Promise<T>): Promise<T> {
    const run = session.queue.then(task, task);
    session.queue = run.catch(() => undefined);
    return run;
  }

  private leg(session: Session, tag: string): Leg {
    let leg = session.legs.get(tag);
    if (leg === undefined) {
      leg = { tag, endpoints: [], streams: [], latch: true, sdes: [], webrtc: [] };
      session.legs.set(tag, leg);
    }
    return leg;
  }

  private update(leg: Leg, request: MediaOfferRequest, streams: SdpStream[]): void {
    leg.streams = streams;
    leg.sdp = request.sdp;
    leg.latch = request.latch ?? true;
    if (request.label !== undefined) leg.label = request.label;
  }

  private async ensureEndpoints(session: Session, leg: Leg, count: number): Promise<void> {
    const missing = count - leg.endpoints.length;
    if (missing > 0) leg.endpoints.push(...(await this.allocate(session, missing)));
  }

  private async allocate(session: Session, count: number): Promise<Array<{ id: number; port: number }>> {
    try {
      return (await this.options.engines.request(session.engine, { op: 'allocate', count })) as Array<{
        id: number;
        port: number;
      }>;
    } catch (error) {
      const message = (error as Error).message;
      const exhausted = /no free RTP port/.test(message);
      throw new MediaRelayError(
        `call ${session.callId}: could not bind relay ports: ${message}${exhausted ? ' (widen media.portMin-media.portMax)' : ''}`,
        exhausted ? 'no-ports' : 'failed',
      );
    }
  }

  private known(callId: string, what: string): Session {
    const session = this.sessions.get(callId);
    if (session === undefined)
      throw new MediaRelayError(`${what} for unknown call ${callId}`, 'unknown-call');
    return session;
  }

  /** The sides whose streams a subscription forks. */
  private forkedLegs(session: Session, subscription: Subscription): Leg[] {
    const tags = new Set(subscription.streams.map((s) => s.tag));
    return [...tags].flatMap((tag) => session.legs.get(tag) ?? []);
  }

  /**
   * A fork endpoint sends only; what arrives on it (a recorder's RTCP) is taken from the recorder
   * alone and goes nowhere (no peer).
   */
  private forkEndpointConfig(session: Session, toTag: string, stream: ForkedStream): EndpointConfig {
    const config: EndpointConfig = {
      callId: session.callId,
      fromTag: toTag,
      latch: false,
      clockRates: {},
      eventPayloads: [],
    };
    if (stream.to !== undefined) {
      config.rtp = stream.to.rtp;
      if (stream.to.rtcp !== undefined) config.rtcp = stream.to.rtcp;
    }
    return config;
  }

  /**
   * Ends the forked streams `ending` picks (or every stream of subscription `toTag`): the sides
   * stop sending copies, then the fork ports are freed; a subscription left with none goes.
   */
  private async endForks(
    session: Session,
    ending: ((stream: ForkedStream) => boolean) | undefined,
    toTag?: string,
  ): Promise<void> {
    const ended: ForkedStream[] = [];
    const tags = new Set<string>();
    for (const subscription of session.subscriptions.values()) {
      if (toTag !== undefined && subscription.toTag !== toTag) continue;
      const gone = subscription.streams.filter((s) => ending === undefined || ending(s));
      if (gone.length === 0) continue;
      subscription.streams = subscription.streams.filter((s) => !gone.includes(s));
      if (subscription.streams.length === 0) session.subscriptions.delete(subscription.toTag);
      ended.push(...gone);
      for (const s of gone) tags.add(s.tag);
    }
    if (ended.length === 0) return;
    for (const tag of tags) {
      const leg = session.legs.get(tag);
      if (leg !== undefined) await this.configure(session, leg);
    }
    await this.options.engines.request(session.engine, {
      op: 'release',
      ids: ended.map((s) => s.endpoint.id),
    });
  }

  /** Per m= section of `leg`: the recorders its media goes to. */
  private forksOf(session: Session, leg: Leg, index: number): EndpointFork[] {
    const out: EndpointFork[] = [];
    for (const subscription of session.subscriptions.values()) {
      for (const stream of subscription.streams) {
        if (stream.tag !== leg.tag || stream.index !== index || stream.to === undefined) continue;
        const fork: EndpointFork = { endpoint: stream.endpoint.id, rtp: stream.to.rtp };
        if (stream.to.rtcp !== undefined) fork.rtcp = stream.to.rtcp;
        out.push(fork);
      }
    }
    return out;
  }

  private async configure(session: Session, leg: Leg): Promise<void> {
    const peer = leg.peer === undefined ? undefined : session.legs.get(leg.peer);
    for (const [i, endpoint] of leg.endpoints.entries()) {
      const own = leg.streams[i];
      const theirs = peer?.streams[i];
      // A side sends with the payload types its receiver declared (RFC 3264 §5.1): know both.
      const config: EndpointConfig = {
        callId: session.callId,
        fromTag: leg.tag,
        latch: leg.latch,
        clockRates: { ...theirs?.clockRates, ...own?.clockRates },
        eventPayloads: [...new Set([...(own?.eventPayloads ?? []), ...(theirs?.eventPayloads ?? [])])],
      };
      if (leg.label !== undefined) config.label = leg.label;
      const peerEndpoint = peer?.endpoints[i];
      if (peerEndpoint !== undefined) config.peer = peerEndpoint.id;
      if (own?.rtp !== undefined) config.rtp = own.rtp;
      if (own?.rtcp !== undefined) config.rtcp = own.rtcp;
      const srtp = endpointSrtp(leg.sdes[i]);
      if (srtp !== undefined) config.srtp = srtp;
      const webrtc = endpointWebRtc(leg.webrtc[i], this.options.consentMs ?? 30_000);
      if (webrtc !== undefined) config.webrtc = webrtc;
      const forks = this.forksOf(session, leg, i);
      if (forks.length > 0) config.forks = forks;
      await this.options.engines.request(session.engine, { op: 'configure', id: endpoint.id, config });
    }
  }

  /**
   * The node's certificate fingerprint when either leg has a WebRTC section, handing the
   * certificate to the engines the first time; undefined when neither has one.
   */
  private async certificateFor(...legs: Leg[]): Promise<string | undefined> {
    if (!legs.some((leg) => leg.webrtc.some((w) => w !== undefined))) return undefined;
    const made = this.options.certificate;
    if (made === undefined)
      throw new MediaRelayError(
        'WebRTC media needs the relay’s DTLS certificate, which this relay was not given',
        'unsupported',
      );
    this.dtls ??= made().then(async (certificate) => {
      await Promise.all(
        Array.from({ length: this.options.engines.size }, (_, i) =>
          this.options.engines.request(i, {
            op: 'certificate',
            certPem: certificate.certPem,
            keyPem: certificate.keyPem,
          }),
        ),
      );
      return certificate;
    });
    try {
      return (await this.dtls).fingerprint;
    } catch (error) {
      this.dtls = undefined;
      throw new MediaRelayError(
        `could not make the relay's DTLS certificate: ${(error as Error).message}`,
        'failed',
      );
    }
  }

  private rewrite(
    request: MediaOfferRequest,
    streams: SdpStream[],
    to: Leg,
    fingerprint: string | undefined,
  ): string {
    const ports = streams.map((s, i) => (s.disabled ? 0 : (to.endpoints[i]?.port ?? 0)));
    return rewriteSdp(request.sdp, {
      address: this.options.advertisedAddress,
      ports,
      profiles: streams.map((_, i) => sdpProfile(to.sdes[i])),
      webrtc: streams.map((_, i) =>
        fingerprint === undefined ? undefined : webRtcAttributes(to.webrtc[i], fingerprint),
      ),
      ...(request.codecs === undefined ? {} : { codecs: request.codecs }),
      ...(request.direction === undefined ? {} : { direction: request.direction }),
    });
  }

  private async drop(session: Session): Promise<void> {
    const ids = [
      ...[...session.legs.values()].flatMap((leg) => leg.endpoints.map((e) => e.id)),
      ...[...session.subscriptions.values()].flatMap((sub) => sub.streams.map((s) => s.endpoint.id)),
    ];
    this.sessions.delete(session.callId);
    if (ids.length > 0)
      await this.options.engines.request(session.engine, { op: 'release', ids }).catch(() => undefined);
  }
}
