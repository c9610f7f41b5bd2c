import {
  B2BUA_CHOICES,
  type B2buaChoice,
  type CallPolicy,
  type CodecRules,
  SRTP_CHOICES,
  type SrtpChoice,
} from './call-policy-types.js';
import { InvalidInputError } from './errors.js';

// An RTP encoding name (RFC 4855 media subtype names): letters, digits, - . _ +.
const ENCODING = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/;
const MAX_LIMIT = 1_000_000;

function fail(field: string, message: string): never {
  throw new InvalidInputError(`${field}: ${message}`, undefined, field);
}

function limit(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_LIMIT)
    fail(field, `expected an integer 0-${MAX_LIMIT} (0: no limit), got ${JSON.stringify(value)}`);
  return value;
}

function encodings(field: string, value: unknown, { keepsEvents }: { keepsEvents: boolean }): string[] {
  if (!Array.isArray(value)) fail(field, `expected a list of encoding names, got ${JSON.stringify(value)}`);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of value) {
    if (typeof name !== 'string' || !ENCODING.test(name))
      fail(field, `${JSON.stringify(name)} is not an encoding name (PCMU, PCMA, G722, opus ...)`);
    const lower = name.toLowerCase();
    if (!keepsEvents && lower === 'telephone-event')
      fail(field, 'telephone-event is always kept (RFC 4733 DTMF); leave it out');
    if (seen.has(lower)) fail(field, `${name} is named twice`);
    seen.add(lower);
    out.push(name);
  }
  return out;
}

function codecRules(value: unknown): CodecRules {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('codecs', 'expected an object with allow, strip, order and/or ptime');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['allow', 'strip', 'order', 'ptime'].includes(key))
      fail(`codecs.${key}`, 'unknown setting (allow, strip, order, ptime)');
  }
  const rules: CodecRules = {};
  if (input['allow'] !== undefined) {
    rules.allow = encodings('codecs.allow', input['allow'], { keepsEvents: true });
    if (rules.allow.length === 0) fail('codecs.allow', 'an empty allow-list would refuse every call');
  }
  if (input['strip'] !== undefined)
    rules.strip = encodings('codecs.strip', input['strip'], { keepsEvents: false });
  if (input['order'] !== undefined)
    rules.order = encodings('codecs.order', input['order'], { keepsEvents: true });
  if (input['ptime'] !== undefined) {
    const ptime = input['ptime'];
    // RFC 3551 §4.2: audio frames of 10-200 ms; larger would break interactive speech.
    if (typeof ptime !== 'number' || !Number.isInteger(ptime) || ptime < 10 || ptime > 200)
      fail('codecs.ptime', `expected milliseconds 10-200, got ${JSON.stringify(ptime)}`);
    rules.ptime = ptime;
  }
  if (rules.allow && rules.strip) {
    const stripped = new Set(rules.strip.map((n) => n.toLowerCase()));
    const left = rules.allow.filter((n) => n.toLowerCase() !== 'telephone-event');
    if (left.every((n) => stripped.has(n.toLowerCase())))
      fail('codecs.strip', 'strips every encoding the allow-list keeps: no call could have audio');
  }
  return rules;
}

/** A call policy as given (API body, CLI flags): checked, each error naming its field. */
export function checkCallPolicy(value: unknown): CallPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidInputError('expected a call policy object (b2bua, maxCalls, maxCallRate, codecs, srtp)');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['b2bua', 'maxCalls', 'maxCallRate', 'codecs', 'srtp'].includes(key))
      fail(key, 'unknown setting (b2bua, maxCalls, maxCallRate, codecs, srtp)');
  }
  const policy: CallPolicy = {};
  const b2bua = input['b2bua'];
  if (b2bua !== undefined && b2bua !== 'inherit') {
    if (typeof b2bua !== 'string' || !(B2BUA_CHOICES as readonly string[]).includes(b2bua))
      fail('b2bua', `expected always, never, nat or inherit, got ${JSON.stringify(b2bua)}`);
    policy.b2bua = b2bua as B2buaChoice;
  }
  if (input['maxCalls'] !== undefined) policy.maxCalls = limit('maxCalls', input['maxCalls']);
  if (input['maxCallRate'] !== undefined) policy.maxCallRate = limit('maxCallRate', input['maxCallRate']);
  if (input['codecs'] !== undefined) {
    const rules = codecRules(input['codecs']);
    if (Object.keys(rules).length > 0) policy.codecs = rules;
  }
  const srtp = input['srtp'];
  if (srtp !== undefined && srtp !== 'inherit') {
    if (typeof srtp !== 'string' || !(SRTP_CHOICES as readonly string[]).includes(srtp))
      fail(
        'srtp',
        `expected sdes (RTP/SAVP with SDES keys), off (plain RTP/AVP) or inherit, got ${JSON.stringify(srtp)}`,
      );
    policy.srtp = srtp as SrtpChoice;
  }
  return policy;
}
