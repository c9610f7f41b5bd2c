import { describe, expect, it } from 'vitest';
import { buildMultipart, isSiprecInvite } from '../../../../src/recording/siprec/index.js';

describe('isSiprecInvite (RFC 7866 §6.1.1)', () => {
  const contact = '<sip:src@198.51.100.1:5060>;+sip.src';

  it('Require: siprec and +sip.src: strict SIPREC', () => {
    expect(isSiprecInvite({ require: 'siprec', contact })).toEqual({
      kind: 'siprec',
      reason: 'Require: siprec and Contact +sip.src',
      strict: true,
    });
    expect(
      isSiprecInvite({ require: ['100rel, SIPREC'], contact: [`<sip:x@y>;expires=60`, contact] }).kind,
    ).toBe('siprec');
  });

  it('tolerates a missing Require or a missing +sip.src', () => {
    expect(isSiprecInvite({ contact })).toMatchObject({ kind: 'siprec', strict: false });
    expect(isSiprecInvite({ contact: '<sip:src@h;transport=tcp>;+sip.src=""' })).toMatchObject({
      kind: 'siprec',
    });
    expect(isSiprecInvite({ require: 'siprec', contact: '<sip:src@h>' })).toMatchObject({
      kind: 'siprec',
      strict: false,
    });
  });

  it('recognises a multipart carrying rs-metadata+xml alone', () => {
    const mp = buildMultipart([
      { contentType: 'application/sdp', body: 'v=0\r\n' },
      { contentType: 'application/rs-metadata+xml', body: '<recording/>' },
    ]);
    expect(
      isSiprecInvite({ contact: '<sip:a@b>', contentType: mp.contentType, body: mp.body }),
    ).toMatchObject({
      kind: 'siprec',
      reason: 'only a application/rs-metadata+xml body part',
    });
  });

  it('refuses an ordinary INVITE with 403, and does not mistake look-alikes', () => {
    const plain = isSiprecInvite({
      contact: '<sip:bob@h>',
      contentType: 'application/sdp',
      body: Buffer.from('v=0'),
    });
    expect(plain).toMatchObject({ kind: 'not-siprec', status: 403, reasonPhrase: 'Forbidden' });
    expect(isSiprecInvite({ contact: '<sip:bob@h>;+sip.srcx', require: 'siprecx' }).kind).toBe('not-siprec');
    expect(
      isSiprecInvite({ contentType: 'multipart/mixed;boundary=b', body: Buffer.from('junk') }).kind,
    ).toBe('not-siprec');
  });
});
