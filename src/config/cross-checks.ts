import type { ConfigProblem } from './errors.js';
import { fixHint, keySpec } from './keys.js';
import type { SwitchboardConfig } from './types.js';

/** Rules that involve several keys; run only once every key is valid on its own. */
export function crossChecks(config: SwitchboardConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { t1, t2 } = config.sip.timers;
  // RFC 3261 §17.1.2.2: retransmit intervals double from T1 up to T2, so T2 below T1 makes no sense.
  if (t2 < t1) {
    const spec = keySpec('sip.timers.t2')!;
    problems.push({
      key: spec.key,
      message: `${spec.key}: expected at least sip.timers.t1 (${t1}), got ${t2} (${fixHint(spec)})`,
    });
  }
  for (const section of ['recording', 'media'] as const) {
    const { portMin, portMax } = config[section];
    if (portMax - portMin < 3) {
      const spec = keySpec(`${section}.portMax`)!;
      problems.push({
        key: spec.key,
        message: `${spec.key}: expected at least ${section}.portMin + 3 (${portMin + 3}) for one RTP/RTCP pair, got ${portMax} (${fixHint(spec)})`,
      });
    }
  }
  const { keepaliveInterval, keepaliveTimeout } = config.nat;
  if (keepaliveInterval > 0 && keepaliveTimeout > keepaliveInterval) {
    const spec = keySpec('nat.keepaliveTimeout')!;
    problems.push({
      key: spec.key,
      message: `${spec.key}: expected at most nat.keepaliveInterval (${keepaliveInterval}), got ${keepaliveTimeout} (${fixHint(spec)})`,
    });
  }
  // A live node's journal records are up to one heartbeat old (more while its store is slow):
  // a stale threshold within two heartbeats would close calls still in progress.
  const { journalHeartbeat, journalStaleAfter } = config.b2bua;
  if (journalStaleAfter < 2 * journalHeartbeat) {
    const spec = keySpec('b2bua.journalStaleAfter')!;
    problems.push({
      key: spec.key,
      message: `${spec.key}: expected at least twice b2bua.journalHeartbeat (${2 * journalHeartbeat}), got ${journalStaleAfter} (${fixHint(spec)})`,
    });
  }
  // RFC 3261 §10.3 step 7: the default interval must itself be one the registrar accepts.
  const { minExpires, defaultExpires, maxExpires } = config.registrar;
  const expiresRules: { key: string; broken: boolean; expected: string; value: number }[] = [
    {
      key: 'registrar.maxExpires',
      broken: maxExpires < minExpires,
      expected: `at least registrar.minExpires (${minExpires})`,
      value: maxExpires,
    },
    {
      key: 'registrar.defaultExpires',
      broken: defaultExpires < minExpires || defaultExpires > maxExpires,
      expected: `between registrar.minExpires (${minExpires}) and registrar.maxExpires (${maxExpires})`,
      value: defaultExpires,
    },
  ];
  for (const { key, broken, expected, value } of expiresRules) {
    if (!broken) continue;
    problems.push({ key, message: `${key}: expected ${expected}, got ${value} (${fixHint(keySpec(key)!)})` });
  }
  // SIP over WebSocket on the API's port needs the API's server, which only a stateful node runs.
  if (config.sip.websocketOnApiPort && (!config.api.enabled || config.proxy.mode !== 'stateful')) {
    const spec = keySpec('sip.websocketOnApiPort')!;
    const why = config.api.enabled ? 'proxy.mode stateless runs no API' : 'api.enabled is false';
    problems.push({
      key: spec.key,
      message: `${spec.key}: expected a node that runs the API (api.enabled true, proxy.mode stateful), got true while ${why} (set ${spec.env}=false, or turn the API on)`,
    });
  }
  // A certificate without its key (or the reverse) cannot serve TLS.
  const { certificate, key } = config.tls;
  if ((certificate === undefined) !== (key === undefined)) {
    const missing = keySpec(certificate === undefined ? 'tls.certificate' : 'tls.key')!;
    const given = certificate === undefined ? 'tls.key' : 'tls.certificate';
    problems.push({
      key: missing.key,
      message: `${missing.key}: expected with ${given}, got none (${fixHint(missing)})`,
    });
  }
  return problems;
}
