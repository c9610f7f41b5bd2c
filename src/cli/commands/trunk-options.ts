import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { NewTrunkRegistration, TrunkChanges } from '../../store/index.js';
import { UsageError } from './with-store.js';

type Flags = Record<string, unknown>;

/** The flags a trunk is described with, shared by `trunk add` and `trunk set`. */
export function addTrunkOptions(command: Command): Command {
  return command
    .option('--description <text>', 'free text for operators')
    .option(
      '--inbound-cidr <cidr...>',
      'source networks of its calls to us: 203.0.113.0/24, 2001:db8::/32, 198.51.100.7',
    )
    .option('--inbound-username <name>', 'digest username its calls to us answer our 407 with')
    .option('--inbound-password <password>', 'digest password of --inbound-username')
    .option('--inbound-strip <n>', 'digits to strip from the called number of its calls (0-20)')
    .option('--inbound-prefix <digits>', "put in front of the called number of its calls, e.g. '+1'")
    .option(
      '--dispatch <algorithm>',
      'gateway order: priority, round-robin, weighted, hash-call-id, fewest-calls',
    )
    .option('--strip <n>', 'digits to strip from numbers sent to it (0-20)')
    .option('--prefix <digits>', "put in front of numbers sent to it, e.g. '00' or a tech prefix")
    .option('--caller-id <number>', "From user sent to it, e.g. +14155550100 ('none': the caller's own)")
    .option(
      '--reply-timeout <ms>',
      "ms a gateway may send nothing before the next is tried ('default': trunks.noReplyTimeout)",
    )
    .option(
      '--ring-timeout <ms>',
      "ms a gateway may ring without answer before it is given up ('none': Timer C)",
    )
    .option(
      '--failover-codes <codes>',
      "final responses that fail over: 408,5xx,503 ('default': trunks.failoverCodes)",
    )
    .option('--codecs <names>', 'codec preference for the B2BUA, most preferred first: PCMU,PCMA,G722')
    .option('--register-uri <uri>', 'register to the carrier at this registrar: sip:sip.carrier.example')
    .option('--register-username <name>', 'username of the registration')
    .option('--register-password <password>', 'password of the registration')
    .option('--register-realm <realm>', 'realm to answer (default: any the registrar challenges with)')
    .option('--register-expires <s>', 'registration interval asked for (60-86400, default 3600)')
    .option(
      '--client-certificate <file>',
      "client certificate (PEM file) presented to its TLS gateways ('none': the node's own, tls.certificate)",
    )
    .option('--client-key <file>', 'private key (PEM file) of --client-certificate')
    .option(
      '--gateway-ca <file>',
      "CA certificates (PEM file) its TLS gateways are verified with ('none': tls.ca)",
    )
    .option(
      '--inbound-tls-name <host>',
      "its calls to us come on TLS connections whose verified client certificate names this host ('none': not)",
    );
}

/** The changes the flags give (add takes them as its new trunk's fields). */
export function trunkChangesFrom(flags: Flags, current?: NewTrunkRegistration): TrunkChanges {
  const changes: TrunkChanges = {};
  const text = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const description = text('description');
  if (description !== undefined) changes.description = description === 'none' ? null : description;
  const cidrs = flags['inboundCidr'];
  if (Array.isArray(cidrs)) changes.inboundCidrs = splitList(cidrs as string[]).filter((c) => c !== 'none');
  const username = text('inboundUsername');
  if (username !== undefined) changes.inboundUsername = username === 'none' ? null : username;
  const password = text('inboundPassword');
  if (password !== undefined) changes.inboundPassword = username === 'none' ? null : password;
  if (username === 'none') changes.inboundPassword = null;
  const inboundStrip = integer(flags, 'inboundStrip', '--inbound-strip');
  if (inboundStrip !== undefined) changes.inboundStrip = inboundStrip;
  const inboundPrefix = text('inboundPrefix');
  if (inboundPrefix !== undefined) changes.inboundPrefix = inboundPrefix;
  const dispatch = text('dispatch');
  if (dispatch !== undefined) changes.dispatch = dispatch;
  const strip = integer(flags, 'strip', '--strip');
  if (strip !== undefined) changes.stripDigits = strip;
  const prefix = text('prefix');
  if (prefix !== undefined) changes.prefix = prefix;
  const callerId = text('callerId');
  if (callerId !== undefined) changes.callerId = callerId === 'none' ? null : callerId;
  if (text('replyTimeout') === 'default') changes.noReplyTimeout = null;
  else {
    const ms = integer(flags, 'replyTimeout', '--reply-timeout');
    if (ms !== undefined) changes.noReplyTimeout = ms;
  }
  if (text('ringTimeout') === 'none') changes.noAnswerTimeout = null;
  else {
    const ms = integer(flags, 'ringTimeout', '--ring-timeout');
    if (ms !== undefined) changes.noAnswerTimeout = ms;
  }
  const codes = text('failoverCodes');
  if (codes !== undefined) changes.failoverCodes = codes === 'default' ? null : splitList([codes]);
  const codecs = text('codecs');
  if (codecs !== undefined) changes.codecs = splitList([codecs]);
  tlsChangesFrom(flags, changes);
  const registration = registrationFrom(flags, current);
  if (registration !== undefined) changes.registration = registration;
  return changes;
}

/**
 * The TLS flags: a file path (made absolute: the node reads it, maybe from another directory) or
 * PEM text; 'none' clears (the certificate's 'none' clears its key too).
 */
function tlsChangesFrom(flags: Flags, changes: TrunkChanges): void {
  const value = (name: string) => {
    const v = flags[name];
    if (typeof v !== 'string') return undefined;
    if (v === 'none') return null;
    return v.trimStart().startsWith('-----BEGIN') ? v : resolve(v);
  };
  const certificate = value('clientCertificate');
  if (certificate !== undefined) changes.tlsCertificate = certificate;
  const key = value('clientKey');
  if (key !== undefined) changes.tlsKey = key;
  if (certificate === null) changes.tlsKey = null;
  const ca = value('gatewayCa');
  if (ca !== undefined) changes.tlsCa = ca;
  const name = flags['inboundTlsName'];
  if (typeof name === 'string') changes.inboundTlsName = name === 'none' ? null : name;
}

/** `--register-uri none` removes the registration; other register flags change it. */
function registrationFrom(
  flags: Flags,
  current?: NewTrunkRegistration,
): NewTrunkRegistration | null | undefined {
  const uri = flags['registerUri'];
  if (uri === 'none') return null;
  const given = [
    'registerUri',
    'registerUsername',
    'registerPassword',
    'registerRealm',
    'registerExpires',
  ].some((k) => flags[k] !== undefined);
  if (!given) return undefined;
  const merged = { ...current } as Partial<NewTrunkRegistration>;
  if (typeof uri === 'string') merged.registrar = uri;
  if (typeof flags['registerUsername'] === 'string') merged.username = flags['registerUsername'];
  if (typeof flags['registerPassword'] === 'string') merged.password = flags['registerPassword'];
  if (typeof flags['registerRealm'] === 'string') merged.realm = flags['registerRealm'];
  const expires = integer(flags, 'registerExpires', '--register-expires');
  if (expires !== undefined) merged.expires = expires;
  for (const [field, flag] of [
    ['registrar', '--register-uri'],
    ['username', '--register-username'],
    ['password', '--register-password'],
  ] as const) {
    if (merged[field] === undefined) throw new UsageError(`registration needs ${flag} too`);
  }
  return merged as NewTrunkRegistration;
}

/** An integer flag, or a usage error naming the flag. */
export function integer(flags: Flags, name: string, flag: string): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value.trim())) {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a whole number`);
  }
  return Number(value);
}

/** A number flag (a price), or a usage error naming the flag. */
export function decimal(flags: Flags, name: string, flag: string): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value.trim())) {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a number such as 0.012`);
  }
  return Number(value);
}

/** Repeated and comma-separated values, as one list. */
export function splitList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
