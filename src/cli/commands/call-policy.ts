import type { Command } from 'commander';
import type {
  CallPolicy,
  CallPolicyScope,
  SqlProvisioningStore,
  StoredCallPolicy,
} from '../../store/index.js';
import type { CliIo } from '../io.js';
import { addJsonOption, addStoreOptions } from './store-options.js';
import { printJson, UsageError, withStore } from './with-store.js';

type Flags = Record<string, unknown>;

const WHO: Record<CallPolicyScope, string> = {
  subscriber: 'user@domain',
  domain: 'a domain name',
  trunk: 'a trunk name',
};

/** A number flag, or `inherit` to clear it. */
function limit(flag: string, text: string): number | null {
  if (text === 'inherit') return null;
  if (!/^\d+$/.test(text))
    throw new UsageError(`--${flag}: expected a whole number (0: no limit) or inherit, got ${text}`);
  return Number(text);
}

/** A comma-separated encoding list, or `inherit` to clear it. */
function encodings(text: string): string[] | null {
  if (text === 'inherit') return null;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The stored policy with the flags given applied (absent flags keep what is set). */
function changed(policy: CallPolicy, flags: Flags): CallPolicy {
  const out: CallPolicy = { ...policy, ...(policy.codecs ? { codecs: { ...policy.codecs } } : {}) };
  const set = <K extends keyof CallPolicy>(key: K, value: CallPolicy[K] | null) => {
    if (value === null) delete out[key];
    else out[key] = value;
  };
  if (flags['b2bua'] !== undefined)
    set('b2bua', flags['b2bua'] === 'inherit' ? null : (flags['b2bua'] as never));
  if (flags['maxCalls'] !== undefined) set('maxCalls', limit('max-calls', String(flags['maxCalls'])));
  if (flags['maxCallRate'] !== undefined)
    set('maxCallRate', limit('max-call-rate', String(flags['maxCallRate'])));
  const codecs = { ...out.codecs };
  for (const key of ['allow', 'strip', 'order'] as const) {
    if (flags[key] === undefined) continue;
    const value = encodings(String(flags[key]));
    if (value === null) delete codecs[key];
    else codecs[key] = value;
  }
  if (flags['ptime'] !== undefined) {
    const value = limit('ptime', String(flags['ptime']));
    if (value === null) delete codecs.ptime;
    else codecs.ptime = value;
  }
  if (Object.keys(codecs).length > 0) out.codecs = codecs;
  else delete out.codecs;
  // Checked with the rest by the store (checkCallPolicy names the key and the values).
  if (flags['srtp'] !== undefined) set('srtp', flags['srtp'] === 'inherit' ? null : (flags['srtp'] as never));
  return out;
}

/** One line: `subscriber alice@example.com: b2bua always, max-calls 2, codecs allow PCMA,PCMU ptime 20`. */
function describe(stored: StoredCallPolicy | undefined, scope: CallPolicyScope, name: string): string {
  const p = stored?.policy ?? {};
  const parts: string[] = [];
  if (p.b2bua) parts.push(`b2bua ${p.b2bua}`);
  if (p.maxCalls !== undefined) parts.push(`max-calls ${p.maxCalls}`);
  if (p.maxCallRate !== undefined) parts.push(`max-call-rate ${p.maxCallRate}`);
  const c = p.codecs;
  if (c?.allow) parts.push(`allow ${c.allow.join(',')}`);
  if (c?.strip) parts.push(`strip ${c.strip.join(',')}`);
  if (c?.order) parts.push(`order ${c.order.join(',')}`);
  if (c?.ptime !== undefined) parts.push(`ptime ${c.ptime}`);
  if (p.srtp) parts.push(`srtp ${p.srtp}`);
  return `${scope} ${stored?.name ?? name}: ${parts.length > 0 ? parts.join(', ') : 'everything inherited'}\n`;
}

async function current(store: SqlProvisioningStore, scope: CallPolicyScope, name: string) {
  return store.callPolicies.getCallPolicy(scope, name);
}

/**
 * `switchboard <subscriber|domain|trunk> policy show|set|clear`: the call policy of one
 * subscriber, domain or trunk (docs/b2bua-policy.md). `set` changes the settings it names.
 */
export function registerCallPolicy(parent: Command, io: CliIo, scope: CallPolicyScope): void {
  const policy = parent
    .command('policy')
    .description(
      `the ${scope}'s call policy: whether the B2BUA takes its calls, its call limits, its codecs, its SRTP (docs/b2bua-policy.md)`,
    );

  const show = policy
    .command('show')
    .description(`show the ${scope}'s call policy`)
    .argument('<name>', WHO[scope]);
  addStoreOptions(addJsonOption(show)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const stored = await current(store, scope, name);
      if (flags['json']) printJson(io, stored ?? { scope, name, policy: {} });
      else io.stdout(describe(stored, scope, name));
    }),
  );

  const set = policy
    .command('set')
    .description(`change the settings named (the others stay; inherit clears one)`)
    .argument('<name>', WHO[scope])
    .option('--b2bua <choice>', 'always | never | nat (when behind NAT) | inherit')
    .option('--max-calls <n>', 'calls in progress at once (0: no limit) | inherit')
    .option('--max-call-rate <n>', 'new calls per second (0: no limit) | inherit')
    .option('--allow <codecs>', 'only these encodings, comma-separated (PCMA,PCMU) | inherit')
    .option('--strip <codecs>', 'remove these encodings | inherit')
    .option('--order <codecs>', 'these encodings first, in this order | inherit')
    .option('--ptime <ms>', 'preferred packetisation time | inherit')
    .option('--srtp <choice>', 'when called: sdes (RTP/SAVP, SDES keys) | off (plain RTP/AVP) | inherit');
  addStoreOptions(addJsonOption(set)).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      const given = ['b2bua', 'maxCalls', 'maxCallRate', 'allow', 'strip', 'order', 'ptime', 'srtp'];
      if (!given.some((f) => flags[f] !== undefined))
        throw new UsageError(
          'nothing to set: give --b2bua, --max-calls, --max-call-rate, --allow, --strip, --order, --ptime or --srtp',
        );
      const before = (await current(store, scope, name))?.policy ?? {};
      const saved = await store.callPolicies.putCallPolicy(scope, name, changed(before, flags));
      if (flags['json']) printJson(io, saved);
      else io.stdout(describe(saved, scope, name));
    }),
  );

  const clear = policy
    .command('clear')
    .description(`remove the ${scope}'s call policy (everything inherits again)`)
    .argument('<name>', WHO[scope]);
  addStoreOptions(clear).action((name: string, flags: Flags) =>
    withStore(flags, io, async (store) => {
      if (!(await store.callPolicies.removeCallPolicy(scope, name)))
        throw new UsageError(`${scope} ${name} has no call policy`);
      io.stdout(`${scope} ${name}: call policy removed, everything inherited\n`);
    }),
  );
}
