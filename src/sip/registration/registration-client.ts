import { answerChallenge, DigestParseError, parseChallenge } from '../auth/index.js';
import { parseUri, randomToken, type SipRequest, type SipResponse, type Uri } from '../message/index.js';
import { systemTimers, type UaTimers, type UserAgentCore } from '../ua/index.js';
import { grantedExpires, seconds } from './granted-expires.js';
import { DEFAULT_RETRY, type RetryPolicy, refreshDelayMs, retryDelayMs } from './schedule.js';
import type { RegistrationCredentials, RegistrationState, RegistrationStatus } from './types.js';

export interface RegistrationClientOptions {
  core: Pick<UserAgentCore, 'createRequest' | 'request'>;
  /** The Request-URI: the registrar's domain, no user part (RFC 3261 §10.2); also the next hop. */
  registrar: string;
  /** The address-of-record: To and From (§10.2). */
  aor: string;
  /** Our Contact: where the registrar's domain is to send requests for the address-of-record. */
  contact: string;
  credentials?: RegistrationCredentials;
  /** The expiry asked for, in seconds; default 3600 (§10.2.1.1). */
  expires?: number;
  /** A proxy to send the REGISTERs through (a preloaded Route, §8.1.1.1). */
  outboundProxy?: string;
  retry?: RetryPolicy;
  timers?: UaTimers;
  now?: () => number;
  /** How long stop() waits for the answer to the REGISTER that removes the binding; default 2 s. */
  stopTimeoutMs?: number;
  /** After every attempt, and at start and stop. */
  onChange?: (status: RegistrationStatus, previous: RegistrationState) => void;
}

/** The challenge credentials answer, kept to authorise the next REGISTERs up front (RFC 7616 §3.4). */
interface HeldChallenge {
  header: 'authorization' | 'proxy-authorization';
  values: string[];
  /** Requests sent with its nonce so far (the nonce-count, RFC 7616 §3.4). */
  nc: number;
}

/** Challenges answered in one exchange: the first, and one more for a nonce gone stale meanwhile. */
const MAX_CHALLENGES = 2;

/**
 * Keeps one binding at a registrar (RFC 3261 §10.2): REGISTERs with one Call-ID and rising CSeq
 * (§10.2.4), digest answers to 401/407 (§22.2; the last challenge authorises the refreshes up
 * front), the Min-Expires of a 423 taken (§10.2.8), refreshes before the granted expiry runs out,
 * retries with back-off (or after a Retry-After) when the registrar refuses or does not answer, and
 * the binding removed with Expires: 0 at stop (§10.2.2). One REGISTER at a time (§10.2).
 */
export class RegistrationClient {
  private readonly core: RegistrationClientOptions['core'];
  private readonly timers: UaTimers;
  private readonly now: () => number;
  private readonly retry: RetryPolicy;
  private readonly contactUri: Uri;
  private readonly aorUri: Uri;
  private readonly callId = randomToken(16);
  private readonly fromTag = randomToken(8);
  private cseq = 0;
  private expires: number;
  private challenge: HeldChallenge | undefined;
  private state: RegistrationStatus = { state: 'unregistered', failures: 0 };
  /** Until when the registrar holds our binding as far as we know: a failed refresh does not end it. */
  private bindingUntil = 0;
  private timer: unknown;
  private running = false;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: RegistrationClientOptions) {
    this.core = options.core;
    this.timers = options.timers ?? systemTimers;
    this.now = options.now ?? Date.now;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.expires = options.expires ?? 3600;
    this.contactUri = parseUri(options.contact);
    // Fail at once on addresses that could never make a request.
    parseUri(options.registrar);
    this.aorUri = parseUri(options.aor);
  }

  status(): RegistrationStatus {
    return { ...this.state };
  }

  /** Register now, and keep the binding until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.update({ state: 'registering', failures: 0 });
    this.schedule(0);
  }

  /** No more refreshes; the binding, if the registrar may hold one, is removed (Expires: 0). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const bound = this.options.stopTimeoutMs ?? 2_000;
    const pending = this.inFlight;
    const mayHoldBinding = pending !== undefined || this.bindingUntil > this.now();
    if (pending) await this.within(pending, bound);
    if (mayHoldBinding) {
      await this.within(
        this.exchange(0).then(
          () => undefined,
          () => undefined,
        ),
        bound,
      );
    }
    this.bindingUntil = 0;
    this.update({ state: 'unregistered', failures: 0 });
  }

  private schedule(delayMs: number): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (!this.running) return;
      this.inFlight = this.register().finally(() => {
        this.inFlight = undefined;
      });
    }, delayMs);
  }

  private async register(): Promise<void> {
    const response = await this.exchange(this.expires);
    // Stopped while the REGISTER was out: stop() removes the binding.
    if (!this.running) return;
    const now = this.now();
    if (response.status >= 200 && response.status < 300) {
      const granted = grantedExpires(response, this.contactUri, this.expires);
      if (granted > 0) {
        const delay = refreshDelayMs(granted);
        this.bindingUntil = now + granted * 1000;
        this.update({
          state: 'registered',
          expires: granted,
          expiresAt: now + granted * 1000,
          registeredAt: now,
          lastStatus: response.status,
          nextAttemptAt: now + delay,
          failures: 0,
        });
        this.schedule(delay);
        return;
      }
      this.fail(response, now, `${response.status} without our binding`);
      return;
    }
    this.fail(response, now, `${response.status} ${response.reason}`);
  }

  private fail(response: SipResponse, now: number, error: string): void {
    const failures = this.state.failures + 1;
    const delay = retryDelayMs(response, failures, this.retry);
    // A binding granted before still holds until it runs out: say until when.
    const { expires, expiresAt, registeredAt } = this.state;
    const held = expiresAt !== undefined && expiresAt > now ? { expires, expiresAt, registeredAt } : {};
    this.update({
      state: 'failed',
      ...held,
      lastStatus: response.status,
      lastError: error,
      failures,
      nextAttemptAt: now + delay,
    });
    this.schedule(delay);
  }

  /**
   * One REGISTER asking for `expires` and what it takes to get a final answer: challenges answered
   * (at most MAX_CHALLENGES, so wrong credentials end with the registrar's 401), and one retry with
   * a 423's Min-Expires. Resolves with the last final response.
   */
  private async exchange(expires: number): Promise<SipResponse> {
    let answered = 0;
    let askedMinimum = false;
    for (;;) {
      const request = this.build(expires);
      const fresh = this.challenge !== undefined && this.challenge.nc === 1;
      const response = await this.core.request(request);
      const status = response.status;
      if ((status === 401 || status === 407) && this.options.credentials) {
        const values = this.usableChallenges(
          response,
          status === 401 ? 'www-authenticate' : 'proxy-authenticate',
        );
        // A fresh answer refused without stale=true: the credentials are wrong (RFC 7616 §3.3).
        const rejected = fresh && !values.some((v) => isStale(v));
        if (values.length === 0 || rejected || answered >= MAX_CHALLENGES) {
          this.challenge = undefined;
          return response;
        }
        this.challenge = { header: status === 401 ? 'authorization' : 'proxy-authorization', values, nc: 0 };
        answered++;
        continue;
      }
      if (status === 423 && !askedMinimum && expires > 0) {
        const minimum = seconds(response.get('min-expires'));
        if (minimum !== undefined && minimum > expires) {
          askedMinimum = true;
          expires = minimum;
          this.expires = minimum;
          continue;
        }
      }
      return response;
    }
  }

  private build(expires: number): SipRequest {
    const { options } = this;
    const request = this.core.createRequest('REGISTER', {
      requestUri: options.registrar,
      // URIs rather than text: URI parameters of unbracketed text would become header parameters.
      to: this.aorUri,
      from: this.aorUri,
      fromTag: this.fromTag,
      callId: this.callId,
      cseq: ++this.cseq,
      contact: `<${options.contact}>`,
      ...(options.outboundProxy ? { routes: [options.outboundProxy] } : {}),
      headers: [['expires', String(expires)]],
    });
    const challenge = this.challenge;
    const credentials = options.credentials;
    if (challenge && credentials) {
      challenge.nc++;
      try {
        request.append(
          challenge.header,
          answerChallenge(challenge.values, {
            username: credentials.username,
            password: credentials.password,
            method: 'REGISTER',
            uri: request.uriText,
            nc: challenge.nc,
          }),
        );
      } catch (error) {
        if (!(error instanceof DigestParseError)) throw error;
        this.challenge = undefined;
      }
    }
    return request;
  }

  /** The Digest challenges of a 401/407 we can answer: of our realm, when one is configured. */
  private usableChallenges(response: SipResponse, header: string): string[] {
    const realm = this.options.credentials?.realm;
    return response.getAll(header).filter((value) => {
      try {
        const parsed = parseChallenge(value);
        return parsed.kind === 'digest' && (realm === undefined || parsed.challenge.realm === realm);
      } catch {
        return false;
      }
    });
  }

  private update(next: RegistrationStatus): void {
    const previous = this.state.state;
    this.state = next;
    this.options.onChange?.({ ...next }, previous);
  }

  private within(promise: Promise<unknown>, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.timers.setTimeout(resolve, ms);
      void promise.finally(() => {
        this.timers.clearTimeout(timer);
        resolve();
      });
    });
  }
}

function isStale(value: string): boolean {
  try {
    const parsed = parseChallenge(value);
    return parsed.kind === 'digest' && parsed.challenge.stale;
  } catch {
    return false;
  }
}
