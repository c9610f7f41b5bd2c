import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MetadataError,
  mergeMetadata,
  parseRecordingMetadata,
  participantForLabel,
} from '../../../../src/recording/siprec/index.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name));

describe('parseRecordingMetadata: RFC 7865 §8 style', () => {
  const md = parseRecordingMetadata(fixture('rfc7865-complete.xml'));

  it('reads dataMode, group, session with its Session-ID, group-ref and start-time', () => {
    expect(md.dataMode).toBe('complete');
    expect(md.groups).toEqual([
      { groupId: '7+OTCyoxTmqmqyA/1weDAg==', associateTime: '2010-12-16T23:41:07Z' },
    ]);
    expect(md.sessions).toEqual([
      {
        sessionId: 'hVpd7YQgRW2nD22h7q60JQ==',
        sipSessionIds: ['ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2'],
        groupRefs: ['7+OTCyoxTmqmqyA/1weDAg=='],
        startTime: '2010-12-16T23:41:07Z',
      },
    ]);
    expect(md.warnings).toEqual([]);
  });

  it('reads participants with aor, name, xml:lang and decodes predefined entities', () => {
    expect(md.participants).toEqual([
      {
        participantId: 'srfBElmCRp2QB23b7Mpk0w==',
        nameIds: [{ aor: 'sip:bob@biloxi.com', names: [{ value: 'Bob', lang: 'it' }] }],
        aor: 'sip:bob@biloxi.com',
        name: 'Bob',
      },
      {
        participantId: 'zSfPoSvdSDCmU3A3TRDxAw==',
        nameIds: [{ aor: 'sip:alice@atlanta.com', names: [{ value: 'Alice & Co', lang: 'en' }] }],
        aor: 'sip:alice@atlanta.com',
        name: 'Alice & Co',
      },
    ]);
  });

  it('reads streams and the three association kinds', () => {
    expect(md.streams.map((s) => [s.streamId, s.sessionId, s.label])).toEqual([
      ['UAAMm5GRQKSCMVvLyl4rFw==', 'hVpd7YQgRW2nD22h7q60JQ==', '96'],
      ['i1Pz3to5hGk8fuXl+PbwCw==', 'hVpd7YQgRW2nD22h7q60JQ==', '97'],
    ]);
    expect(md.sessionRecordingAssocs).toEqual([
      { sessionId: 'hVpd7YQgRW2nD22h7q60JQ==', associateTime: '2010-12-16T23:41:07Z' },
    ]);
    expect(md.participantSessionAssocs).toHaveLength(2);
    expect(md.participantStreamAssocs[0]).toEqual({
      participantId: 'srfBElmCRp2QB23b7Mpk0w==',
      send: ['UAAMm5GRQKSCMVvLyl4rFw=='],
      recv: ['i1Pz3to5hGk8fuXl+PbwCw=='],
    });
  });

  it('maps an SDP label to its sending participant', () => {
    expect(participantForLabel(md, '96')?.aor).toBe('sip:bob@biloxi.com');
    expect(participantForLabel(md, '97')?.name).toBe('Alice & Co');
    expect(participantForLabel(md, '99')).toBeUndefined();
  });
});

describe('parseRecordingMetadata: vendor variants', () => {
  it('Cisco CUBE style: camel-case names, any order, extension data ignored, nameID without name', () => {
    const md = parseRecordingMetadata(fixture('cube-style.xml'));
    expect(md.dataMode).toBe('complete');
    expect(md.sessions[0]?.sipSessionIds[0]).toMatch(/^5a7b9a8c/);
    expect(md.participants.map((p) => p.aor)).toEqual([
      'sip:4085550100@10.1.1.10',
      'sip:4085550199@10.1.1.20',
    ]);
    expect(md.participants[1]?.name).toBeUndefined();
    expect(md.participantStreamAssocs).toHaveLength(2);
    expect(participantForLabel(md, '1')?.aor).toBe('sip:4085550100@10.1.1.10');
    expect(participantForLabel(md, '2')?.aor).toBe('sip:4085550199@10.1.1.20');
  });

  it('Acme/Avaya style: namespace without :1, rs: prefix, Partial, draft-era participant', () => {
    const md = parseRecordingMetadata(fixture('acme-style.xml'));
    expect(md.dataMode).toBe('partial');
    expect(md.sessions[0]).toMatchObject({
      sessionId: 'QzQ0Y2YwNjA3ZTY1NDA1',
      associateTime: '2015-06-01T09:00:00',
    });
    expect(md.participants[1]).toMatchObject({ aor: 'sip:agent42@callcenter.example', name: 'Agent 42' });
    expect(md.participantSessionAssocs).toEqual([
      { participantId: 'cDEyMzQ1', sessionId: 'QzQ0Y2YwNjA3ZTY1NDA1', associateTime: '2015-06-01T09:00:00' },
      { participantId: 'cDY3ODkw', sessionId: 'QzQ0Y2YwNjA3ZTY1NDA1' },
    ]);
    expect(md.streams.map((s) => s.label)).toEqual(['1', '2']);
    expect(participantForLabel(md, '1')?.name).toBe('Caller One');
    expect(participantForLabel(md, '2')?.name).toBe('Agent 42');
  });

  it('no namespace at all, ids that look like numbers stay strings', () => {
    const md = parseRecordingMetadata(
      '<recording><dataMode>complete</dataMode><participant participant_id="0012"><nameID aor="sip:a@b"/></participant>' +
        '<stream stream_id="1e3"><label>007</label></stream></recording>',
    );
    expect(md.participants[0]?.participantId).toBe('0012');
    expect(md.streams[0]).toEqual({ streamId: '1e3', label: '007' });
  });

  it('skips elements without their id, with a warning', () => {
    const md = parseRecordingMetadata(
      '<recording><participant><nameID aor="sip:x@y"/></participant></recording>',
    );
    expect(md.participants).toEqual([]);
    expect(md.warnings).toEqual(['<participant> without participant_id skipped']);
  });
});

describe('parseRecordingMetadata: refusals', () => {
  const refuses = (xml: string | Buffer, code: string) => {
    try {
      parseRecordingMetadata(xml);
    } catch (err) {
      expect(err).toBeInstanceOf(MetadataError);
      expect((err as MetadataError).code).toBe(code);
      return;
    }
    throw new Error('accepted');
  };

  it('billion laughs is refused before any expansion, quickly', () => {
    let lol = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n';
    for (let i = 1; i <= 9; i++) {
      const prev = i === 1 ? 'lol' : `lol${i - 1}`;
      lol += ` <!ENTITY lol${i} "${`&${prev};`.repeat(10)}">\n`;
    }
    lol += ']>\n<recording><dataMode>&lol9;</dataMode></recording>';
    const t0 = performance.now();
    refuses(lol, 'doctype');
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('an external entity (XXE) is refused', () => {
    refuses(
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><recording><dataMode>&xxe;</dataMode></recording>',
      'doctype',
    );
  });

  it('a 10 MB document is refused on its size', () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
    big.write('<recording>', 0);
    const t0 = performance.now();
    refuses(big, 'too-large');
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('deep nesting is refused', () => {
    refuses(`<recording>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</recording>`, 'too-deep');
  });

  it('not XML, wrong root, unterminated tag', () => {
    refuses('<recording><participant participant_id="x"></recording>', 'malformed');
    refuses('<html><body/></html>', 'not-recording');
    refuses('<recording attr="x', 'malformed');
  });

  it('an unknown dataMode is a warning, not an error', () => {
    const md = parseRecordingMetadata('<recording><dataMode>sometimes</dataMode></recording>');
    expect(md.dataMode).toBe('complete');
    expect(md.warnings[0]).toMatch(/unknown dataMode/);
  });
});

describe('mergeMetadata', () => {
  const base = parseRecordingMetadata(fixture('rfc7865-complete.xml'));
  const update = parseRecordingMetadata(fixture('rfc7865-partial-leave.xml'));
  const merged = mergeMetadata(base, update);

  it('adds the new participant, stream and associations, keeps everyone else', () => {
    expect(merged.dataMode).toBe('complete');
    expect(merged.participants.map((p) => p.name)).toEqual(['Bob', 'Alice & Co', 'Carol']);
    expect(merged.streams.map((s) => s.label)).toEqual(['96', '97', '98']);
    expect(merged.groups).toEqual(base.groups);
    expect(merged.sessions).toEqual(base.sessions);
    expect(participantForLabel(merged, '98')?.aor).toBe('sip:carol@chicago.com');
  });

  it('records the disassociate-time and keeps the associate-time of the one who left', () => {
    const bob = merged.participantSessionAssocs.find((a) => a.participantId === 'srfBElmCRp2QB23b7Mpk0w==');
    expect(bob).toEqual({
      participantId: 'srfBElmCRp2QB23b7Mpk0w==',
      sessionId: 'hVpd7YQgRW2nD22h7q60JQ==',
      associateTime: '2010-12-16T23:41:07Z',
      disassociateTime: '2010-12-16T23:45:00Z',
    });
    expect(merged.participantSessionAssocs).toHaveLength(3);
    // Bob's stream association is not touched by an update that does not name it.
    expect(participantForLabel(merged, '96')?.name).toBe('Bob');
  });

  it('does not mutate its inputs', () => {
    expect(base.participants).toHaveLength(2);
    expect(base.participantSessionAssocs[0]?.disassociateTime).toBeUndefined();
  });

  it('a stream relabel and a send-list change apply; an update with only times keeps the lists', () => {
    const relabel = parseRecordingMetadata(
      `<recording xmlns="urn:ietf:params:xml:ns:recording:1"><dataMode>partial</dataMode>
        <stream stream_id="UAAMm5GRQKSCMVvLyl4rFw=="><label>196</label></stream>
        <participantstreamassoc participant_id="zSfPoSvdSDCmU3A3TRDxAw==">
          <send>UAAMm5GRQKSCMVvLyl4rFw==</send></participantstreamassoc>
        <participantstreamassoc participant_id="srfBElmCRp2QB23b7Mpk0w==">
          <disassociate-time>2010-12-16T23:46:00Z</disassociate-time></participantstreamassoc>
      </recording>`,
    );
    const m2 = mergeMetadata(merged, relabel);
    expect(m2.streams[0]).toEqual({
      streamId: 'UAAMm5GRQKSCMVvLyl4rFw==',
      sessionId: 'hVpd7YQgRW2nD22h7q60JQ==',
      label: '196',
    });
    expect(participantForLabel(m2, '196')?.name).toBe('Alice & Co');
    const bob = m2.participantStreamAssocs.find((a) => a.participantId === 'srfBElmCRp2QB23b7Mpk0w==');
    expect(bob).toEqual({
      participantId: 'srfBElmCRp2QB23b7Mpk0w==',
      send: ['UAAMm5GRQKSCMVvLyl4rFw=='],
      recv: ['i1Pz3to5hGk8fuXl+PbwCw=='],
      disassociateTime: '2010-12-16T23:46:00Z',
    });
  });

  it('a complete update replaces the view', () => {
    const complete = parseRecordingMetadata(fixture('cube-style.xml'));
    expect(mergeMetadata(merged, complete)).toEqual(complete);
  });
});
