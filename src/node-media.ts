import type { Logger } from 'pino';
import type { MediaConfig } from './config/index.js';
import { NgClient } from './media/ng/index.js';
import { type MediaRelay, RtpengineMediaRelay } from './media/relay/index.js';

/**
 * The node's one MediaRelay, as media.relay says; roles (the B2BUA) get it through NodeServices.
 * Creating it binds no media port: rtpengine's client only opens its ng socket.
 */
export async function startMediaRelay(config: MediaConfig, logger: Logger): Promise<MediaRelay> {
  const relay = new RtpengineMediaRelay(new NgClient(config.rtpengine));
  logger.info({ relay: relay.kind, rtpengine: config.rtpengine }, 'media relay');
  return relay;
}
