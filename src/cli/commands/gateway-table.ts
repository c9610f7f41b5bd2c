import type { Gateway } from '../../store/index.js';
import { formatTable } from './table.js';

/**
 * Gateways as the CLI shows them, for `gateway list` and `trunk show`; the TRUNK column only where
 * the gateways may belong to more than one trunk. `trunk` names the example in the hint when empty.
 */
export function gatewaysText(gateways: Gateway[], options: { trunkColumn: boolean; trunk: string }): string {
  if (gateways.length === 0)
    return `no gateways (add one: switchboard gateway add ${options.trunk} sip:203.0.113.5:5060)\n`;
  const head = [
    'GATEWAY',
    ...(options.trunkColumn ? ['TRUNK'] : []),
    'URI',
    'TRANSPORT',
    'PRIORITY',
    'WEIGHT',
  ];
  return formatTable(
    [...head, 'PROBE', 'ENABLED'],
    gateways.map((g) => [
      g.id,
      ...(options.trunkColumn ? [g.trunk] : []),
      g.uri,
      g.transport,
      String(g.priority),
      String(g.weight),
      g.probe ? 'yes' : 'no',
      g.enabled ? 'yes' : 'no',
    ]),
  );
}
