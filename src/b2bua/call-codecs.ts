import { type CodecPolicy, filterSdpCodecs, sectionsLeftWithoutCodec } from '../media/relay/index.js';

/** The codec policies of a call leave an offer with no codec in common: answered 488. */
export class NoCommonCodecError extends Error {
  /** RFC 3326 Reason for the refused side. */
  readonly reason = 'SIP;cause=488;text="No codec allowed by the call policy"';
  constructor(sections: number[]) {
    super(`the codec policy leaves m= section(s) ${sections.map((i) => i + 1).join(', ')} without a codec`);
    this.name = 'NoCommonCodecError';
  }
}

/** Refuses (NoCommonCodecError) an offer whose audio the policy would leave without codec. */
export function checkCodecsLeft(sdp: string, policy: CodecPolicy): void {
  const empty = sectionsLeftWithoutCodec(sdp, policy);
  if (empty.length > 0) throw new NoCommonCodecError(empty);
}

export { filterSdpCodecs };
