import { describe, expect, it } from 'vitest';
import type { Uri } from '../../../src/sip/message/index.js';
import { preprocessRoute } from '../../../src/sip/proxy/index.js';
import { request } from './fakes.js';

const isLocal = (uri: Uri) =>
  uri.kind === 'sip' && uri.hostname === '192.0.2.10' && (uri.port ?? 5060) === 5060;

const withRoutes = (requestUri: string, routes: string[]) =>
  request(`BYE ${requestUri} SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKr1
Max-Forwards: 70
${routes.map((r) => `Route: ${r}`).join('\n')}
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>;tag=b1
Call-ID: route-1
CSeq: 2 BYE
Content-Length: 0

`);

describe('route pre-processing (RFC 3261 §16.4)', () => {
  it('removes our own loose-route values from the top', () => {
    const req = withRoutes('sip:bob@192.0.2.20', ['<sip:192.0.2.10;lr>', '<sip:192.0.2.30;lr>']);
    preprocessRoute(req, isLocal);
    expect(req.getAll('route')).toEqual(['<sip:192.0.2.30;lr>']);
    expect(req.uriText).toBe('sip:bob@192.0.2.20');
  });

  it('removes both values of a double Record-Route (RFC 5658)', () => {
    const req = withRoutes('sip:bob@192.0.2.20', [
      '<sip:192.0.2.10;lr>',
      '<sip:192.0.2.10:5060;transport=tcp;lr>',
    ]);
    preprocessRoute(req, isLocal);
    expect(req.has('route')).toBe(false);
  });

  it('undoes strict routing: our URI in the Request-URI is replaced by the last Route', () => {
    // A strict router put our Record-Route value in the Request-URI and the remote target last.
    const req = withRoutes('sip:192.0.2.10;lr', ['<sip:192.0.2.30;lr>', '<sip:bob@192.0.2.20>']);
    preprocessRoute(req, isLocal);
    expect(req.uriText).toBe('sip:bob@192.0.2.20');
    expect(req.getAll('route')).toEqual(['<sip:192.0.2.30;lr>']);
  });

  it('leaves a request addressed to a user at our address alone', () => {
    const req = withRoutes('sip:bob@192.0.2.10', ['<sip:192.0.2.30;lr>']);
    preprocessRoute(req, isLocal);
    expect(req.uriText).toBe('sip:bob@192.0.2.10');
    expect(req.getAll('route')).toEqual(['<sip:192.0.2.30;lr>']);
  });
});
