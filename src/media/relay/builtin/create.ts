import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DtlsCertificate } from '../../dtls/index.js';
import type { ReceiverKind } from '../../udp/index.js';
import { type EnginesOptions, InlineEngines, WorkerEngines } from './engines.js';
import { BuiltinMediaRelay } from './relay.js';

export interface BuiltinRelayConfig {
  /** Bound address. */
  address: string;
  /** In SDP; default `address`. */
  advertisedAddress?: string;
  portMin: number;
  portMax: number;
  timeoutMs: number;
  /** Engines; 0: one per core. */
  workers: number;
  /**
   * Run the engines on this thread instead of worker threads (tests with an injected clock).
   * Default: worker threads, unless the compiled worker script is absent (running the TypeScript
   * sources, as vitest does: a worker thread cannot load them).
   */
  inline?: boolean;
  now?: () => number;
  /** How the relay's sockets receive and send (default auto: the native batch module when built). */
  receiver?: ReceiverKind;
  /** RFC 7675 consent timeout of WebRTC sides, ms (media.consentTimeout); default 30 000. */
  consentMs?: number;
  /** DSCP of every relayed RTP and RTCP packet (media.dscp; 46: EF); default 0, unmarked. */
  dscp?: number;
  /** Where the relay's warnings go (each said once per relay): DSCP not settable... */
  onWarning?: (message: string) => void;
  /**
   * The DTLS certificate for WebRTC sides; default: an ECDSA P-256 self-signed one, made when the
   * first WebRTC side appears (its code, selfsigned and pkijs, costs the node several MiB).
   */
  certificate?: Promise<DtlsCertificate>;
}

/** A built-in relay with its engines on worker threads (or inline), events wired to it. */
export function createBuiltinMediaRelay(config: BuiltinRelayConfig): BuiltinMediaRelay {
  let relay: BuiltinMediaRelay | undefined;
  const options: EnginesOptions = {
    portMin: config.portMin,
    portMax: config.portMax,
    address: config.address,
    timeoutMs: config.timeoutMs,
    count: config.workers,
    onEvent: (event) => relay?.dispatch(event),
  };
  if (config.receiver !== undefined) options.receiver = config.receiver;
  if (config.dscp !== undefined) options.dscp = config.dscp;
  const onWarning = config.onWarning;
  if (onWarning !== undefined) {
    // Every engine meets the same condition: the node hears of it once.
    const said = new Set<string>();
    options.onWarning = (message) => {
      if (said.has(message)) return;
      said.add(message);
      onWarning(message);
    };
  }
  const script = new URL('./worker.js', import.meta.url);
  const inline = config.inline ?? !existsSync(fileURLToPath(script));
  const engines = inline ? new InlineEngines(options, config.now) : new WorkerEngines(options, script);
  // One certificate per node (RFC 8827 §6.5); its fingerprint goes in every WebRTC SDP.
  const given = config.certificate;
  given?.catch(() => undefined); // Reported to the first WebRTC offer that needs it.
  const certificate = given
    ? () => given
    : () => import('../../dtls/certificate.js').then((m) => m.createDtlsCertificate());
  relay = new BuiltinMediaRelay({
    advertisedAddress: config.advertisedAddress ?? config.address,
    engines,
    certificate,
    ...(config.consentMs === undefined ? {} : { consentMs: config.consentMs }),
    ...(config.now === undefined ? {} : { now: config.now }),
  });
  return relay;
}
