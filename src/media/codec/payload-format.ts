/** One payload type of a leg, as negotiated in SDP (a=rtpmap). */
export interface PayloadFormat {
  /** Encoding name as in SDP, upper-cased: PCMU, PCMA, G722, OPUS, TELEPHONE-EVENT. */
  encoding: string;
  /** RTP clock rate (G.722 says 8000 though it samples at 16000: RFC 3551 §4.5.2). */
  clockRate: number;
  channels: number;
}
