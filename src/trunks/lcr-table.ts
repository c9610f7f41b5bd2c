import { inTimeBand, type LcrRoute, parseTimeBand, type TimeBand, type Trunk } from '../store/index.js';
import type { RoutingMoment } from './routing-clock.js';

/** One route as the table keeps it: what ordering and time bands need, and its trunk. */
export interface LcrEntry {
  readonly id: string;
  readonly prefix: string;
  readonly trunk: string;
  readonly priority: number;
  /** Infinity when the route has no price: unpriced routes come after priced ones of a priority. */
  readonly price: number;
  /** undefined: always. */
  readonly bands: readonly TimeBand[] | undefined;
}

/**
 * The least-cost routing table in memory: routes indexed by prefix, so a decision is at most one
 * map lookup per digit of the number (20) and never waits for SQL. Matching is by longest
 * prefix first (Kamailio lcr's order): the routes of the longest matching prefix that are in a
 * time band now, by priority then price, then those of the next shorter prefix, and so on — a
 * call fails over from a specific route to a more general one. A trunk appears once, at its
 * best place. Routes of disabled trunks or disabled routes are left out when built.
 */
export class LcrTable {
  private readonly byPrefix = new Map<string, LcrEntry[]>();
  /** The longest prefix in the table: no longer slice of a number needs a lookup. */
  private longest = 0;
  readonly size: number;

  constructor(routes: readonly LcrRoute[], trunks: ReadonlyMap<string, Trunk>) {
    let size = 0;
    for (const route of routes) {
      if (!route.enabled || !trunks.get(route.trunk)?.enabled) continue;
      const entry: LcrEntry = {
        id: route.id,
        prefix: route.prefix,
        trunk: route.trunk,
        priority: route.priority,
        price: route.price ?? Number.POSITIVE_INFINITY,
        bands: route.timeBands.length === 0 ? undefined : route.timeBands.map(parseTimeBand),
      };
      const list = this.byPrefix.get(route.prefix);
      if (list) list.push(entry);
      else this.byPrefix.set(route.prefix, [entry]);
      if (route.prefix.length > this.longest) this.longest = route.prefix.length;
      size++;
    }
    for (const list of this.byPrefix.values()) list.sort(byPriorityThenPrice);
    this.size = size;
  }

  /** The routes for `digits` at `moment`, in the order to try them. */
  match(digits: string, moment: RoutingMoment): LcrEntry[] {
    const chosen: LcrEntry[] = [];
    for (let length = Math.min(digits.length, this.longest); length >= 0; length--) {
      const list = this.byPrefix.get(length === digits.length ? digits : digits.slice(0, length));
      if (list === undefined) continue;
      for (const entry of list) {
        if (entry.bands !== undefined && !inAnyBand(entry.bands, moment)) continue;
        if (chosen.some((c) => c.trunk === entry.trunk)) continue;
        chosen.push(entry);
      }
    }
    return chosen;
  }
}

function inAnyBand(bands: readonly TimeBand[], moment: RoutingMoment): boolean {
  for (const band of bands) if (inTimeBand(band, moment.day, moment.minute)) return true;
  return false;
}

function byPriorityThenPrice(a: LcrEntry, b: LcrEntry): number {
  return a.priority - b.priority || a.price - b.price || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
