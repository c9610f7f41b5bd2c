import { describe, expect, it } from 'vitest';
import { sdpStreams } from '../../../../src/media/relay/index.js';

describe('sdpStreams on garbage (a B2BUA leg sending junk as application/sdp)', () => {
  it('names what is missing instead of failing later in the rewrite', () => {
    expect(() => sdpStreams('this is no SDP at all\r\nm=audio not-a-port RTP/AVP x\r\n')).toThrow(
      'SDP has no o= line',
    );
    expect(() => sdpStreams('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n')).toThrow(
      'SDP has no m= line',
    );
    expect(() =>
      sdpStreams(
        'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio x RTP/AVP 0\r\n',
      ),
    ).toThrow('SDP m= line 1 has no usable port');
  });
});
