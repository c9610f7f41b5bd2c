import { describe, expect, it } from 'vitest';
import { DEFAULT_SCANNER_USER_AGENTS, ScannerDetector, userAgentOf } from '../../../src/edge/index.js';

const request = (headers: string[], body = '') =>
  Buffer.from(
    [
      'OPTIONS sip:100@192.0.2.1 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.9:5061;branch=z9hG4bK-1',
      'From: "sipvicious"<sip:100@1.1.1.1>;tag=1',
      'To: <sip:100@1.1.1.1>',
      'Call-ID: 1',
      'CSeq: 1 OPTIONS',
      ...headers,
      `Content-Length: ${body.length}`,
      '',
      body,
    ].join('\r\n'),
    'latin1',
  );

describe('userAgentOf (byte scan before parsing)', () => {
  it('finds the header whatever its case and spacing', () => {
    expect(userAgentOf(request(['User-Agent: friendly-scanner']))).toBe('friendly-scanner');
    expect(userAgentOf(request(['user-agent  :   Linphone/5.0 ']))).toBe('Linphone/5.0');
    expect(userAgentOf(request(['USER-AGENT:sipcli/v1.8']))).toBe('sipcli/v1.8');
  });

  it('does not look past the header section nor at other headers', () => {
    expect(userAgentOf(request([], 'v=0\r\nUser-Agent: friendly-scanner\r\n'))).toBeUndefined();
    expect(userAgentOf(request(['User-Agents: x', 'X-User-Agent: friendly-scanner']))).toBeUndefined();
    expect(userAgentOf(Buffer.from('garbage'))).toBeUndefined();
    expect(userAgentOf(Buffer.from('\r\n\r\n'))).toBeUndefined();
    expect(userAgentOf(Buffer.from('INVITE x SIP/2.0\r\nUser-Agent'))).toBeUndefined();
  });
});

describe('ScannerDetector', () => {
  const detector = new ScannerDetector(DEFAULT_SCANNER_USER_AGENTS);

  it('recognises the scanners of the default list, case-insensitively', () => {
    expect(detector.detect(request(['User-Agent: friendly-scanner']))).toBe('friendly-scanner');
    expect(detector.detect(request(['User-Agent: SIPVicious 0.3.3']))).toBe('sipvicious');
    expect(detector.detect(request(['User-Agent: VaxSIPUserAgent/3.1']))).toBe('vaxsipuseragent');
    expect(detector.detect(request(['User-Agent: sundayddr']))).toBe('sundayddr');
  });

  it('lets phones through, and everything when the list is empty', () => {
    expect(detector.detect(request(['User-Agent: baresip v1.0.0 (x86_64/linux)']))).toBeUndefined();
    expect(detector.detect(request([]))).toBeUndefined();
    const off = new ScannerDetector([]);
    expect(off.enabled).toBe(false);
    expect(off.detect(request(['User-Agent: friendly-scanner']))).toBeUndefined();
  });
});
