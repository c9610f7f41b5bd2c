import { allocatePorts } from './ports.js';
import { RTPENGINE_MEDIA_PORTS, type RtpengineProcess, startRtpengine } from './rtpengine-process.js';

/** Where a B2BUA node anchors its calls' media: the built-in relay's ports, or a running rtpengine. */
export interface MediaAnchor {
  /** The node's environment for it (SWITCHBOARD_MEDIA_*). */
  env: Record<string, string>;
  /** The relay's media ports: what each phone should receive its RTP from. */
  ports: { min: number; count: number };
  /** The rtpengine started for it (media.relay rtpengine), to stop after the node. */
  engine: RtpengineProcess | undefined;
}

/**
 * Prepares media.relay `relay` with `ports` media ports: `builtin`, an even-aligned block of free
 * ports for the node's own relay (one worker); `rtpengine`, the given binary started on ports
 * `rtpengineOffset` above the rtpengine tests' block (each test file its own offset, so files
 * run side by side do not share ports).
 */
export async function startMediaAnchor(options: {
  relay: 'builtin' | 'rtpengine';
  ports: number;
  rtpengine?: string | undefined;
  rtpengineOffset?: number;
}): Promise<MediaAnchor> {
  const env: Record<string, string> = { SWITCHBOARD_MEDIA_RELAY: options.relay };
  if (options.relay === 'builtin') {
    // RTP on an even port, RTCP on the next: one spare port to align the block.
    const block = await allocatePorts(options.ports + 1);
    const min = block + (block % 2);
    Object.assign(env, {
      SWITCHBOARD_MEDIA_ADDRESS: '127.0.0.1',
      SWITCHBOARD_MEDIA_PORT_MIN: String(min),
      SWITCHBOARD_MEDIA_PORT_MAX: String(min + options.ports - 1),
      SWITCHBOARD_MEDIA_WORKERS: '1',
    });
    return { env, ports: { min, count: options.ports }, engine: undefined };
  }
  if (!options.rtpengine) throw new Error('media.relay rtpengine needs the rtpengine binary');
  const min = RTPENGINE_MEDIA_PORTS.min + (options.rtpengineOffset ?? 300);
  const engine = await startRtpengine(options.rtpengine, { portMin: min, portMax: min + options.ports - 1 });
  env['SWITCHBOARD_MEDIA_RTPENGINE'] = engine.ngAddress;
  return { env, ports: { min, count: options.ports }, engine };
}
