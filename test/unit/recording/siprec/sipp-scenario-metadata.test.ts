import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildSrsAnswer,
  MetadataError,
  mergeMetadata,
  parseRecordingMetadata,
  participantForLabel,
  splitSiprecBody,
} from '../../../../src/recording/siprec/index.js';

const scenarioPath = join(import.meta.dirname, '../../../interop/scenarios/siprec-client.xml');

/** The bodies of the scenario's INVITEs as SIPp sends them: lines left-trimmed, CRLF line ends. */
function scenarioInvites(): Array<{ contentType: string; body: Buffer }> {
  const xml = readFileSync(scenarioPath, 'utf8');
  const out: Array<{ contentType: string; body: Buffer }> = [];
  for (const m of xml.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)) {
    const lines = m[1]!.split('\n').map((l) => l.trim());
    while (lines[0] === '') lines.shift();
    if (!lines[0]?.startsWith('INVITE')) continue;
    const blank = lines.indexOf('');
    const contentType = lines
      .find((l) => l.startsWith('Content-Type:'))!
      .slice(13)
      .trim();
    const bodyLines = lines.slice(blank + 1);
    while (bodyLines[bodyLines.length - 1] === '') bodyLines.pop();
    const body = bodyLines
      .join('\r\n')
      .replaceAll('[media_port+2]', '6002')
      .replaceAll('[media_port]', '6000')
      .replaceAll('[media_ip_type]', '4')
      .replaceAll('[local_ip_type]', '4')
      .replaceAll('[media_ip]', '127.0.0.1')
      .replaceAll('[local_ip]', '127.0.0.1');
    out.push({ contentType, body: Buffer.from(`${body}\r\n`) });
  }
  return out;
}

describe('the SIPp SRC scenario (test/interop/scenarios/siprec-client.xml)', () => {
  it('carries an SDP and metadata the SRS pieces accept, and a transfer in its re-INVITE', () => {
    const invites = scenarioInvites();
    expect(invites).toHaveLength(2);
    const first = splitSiprecBody(invites[0]!.contentType, invites[0]!.body);
    const answer = buildSrsAnswer(first.sdp!, {
      address: '127.0.0.1',
      ports: [40000, 40002],
      supported: ['PCMU'],
    });
    expect(answer.streams.map((s) => [s.label, s.port, s.direction])).toEqual([
      ['1', 40000, 'recvonly'],
      ['2', 40002, 'recvonly'],
    ]);
    const initial = parseRecordingMetadata(first.metadata!);
    expect(initial.dataMode).toBe('complete');
    expect(participantForLabel(initial, '1')?.aor).toBe('sip:alice@atlanta.example.com');
    expect(participantForLabel(initial, '2')?.name).toBe('Bob');

    const second = splitSiprecBody(invites[1]!.contentType, invites[1]!.body);
    const update = parseRecordingMetadata(second.metadata!);
    expect(update.dataMode).toBe('partial');
    const merged = mergeMetadata(initial, update);
    expect(participantForLabel(merged, '1')?.name).toBe('Alice');
    // Bob left (every session association ended); Carol sends on label 2 now.
    expect(participantForLabel(merged, '2')?.name).toBe('Carol');
    expect(merged.participants.map((p) => p.name)).toEqual(['Alice', 'Bob', 'Carol']);
  });
});

describe('parseRecordingMetadata on arbitrary input (property)', () => {
  it('never throws anything but MetadataError', () => {
    const pieces = fc.constantFrom(
      '<recording>',
      '</recording>',
      '<participant participant_id="a">',
      '</participant>',
      '<!DOCTYPE x>',
      '<!--',
      '-->',
      '<![CDATA[',
      ']]>',
      '<?xml version="1.0"?>',
      '&amp;',
      '&x;',
      '<',
      '>',
      '"',
      '/>',
      'text',
      '<dataMode>partial</dataMode>',
    );
    const input = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(pieces, { maxLength: 40 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(input, (xml) => {
        try {
          parseRecordingMetadata(xml);
        } catch (err) {
          if (!(err instanceof MetadataError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
