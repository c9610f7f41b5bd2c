import { inTimeBand, type LcrRoute, parseTimeBand, type TimeBand, type Trunk } from '../store/index.js';
import type { RoutingMoment } from './routing-clock.js';

/** One route as the table keeps it: what ordering and time bands need, and its trunk. */
export interface LcrEntry {
  readonly id: string;
  readonly prefix: string;
  readonly trunk: string;
  /** The trunk's slot in the table (for the one-trunk-once check without a set per decision). */
  readonly trunkSlot: number;
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
  /** Per trunk slot, the decision that last chose it (a generation count: no clearing). */
  private readonly chosenIn: Uint32Array;
  private generation = 0;

  constructor(routes: readonly LcrRoute[], trunks: ReadonlyMap<string, Trunk>) {
    let size = 0;
    const slots = new Map<string, number>();
    // Shared, not per route: a deck repeats a handful of band texts 100,000 times.
    const parsedBands = new Map<string, readonly TimeBand[]>();
    for (const route of routes) {
      const trunk = trunks.get(route.trunk);
      if (!route.enabled || !trunk?.enabled) continue;
      let slot = slots.get(route.trunk);
      if (slot === undefined) {
        slot = slots.size;
        slots.set(route.trunk, slot);
      }
      const entry: LcrEntry = {
        id: route.id,
        prefix: route.prefix,
        trunk: trunk.name,
        trunkSlot: slot,
        priority: route.priority,
        price: route.price ?? Number.POSITIVE_INFINITY,
        bands: route.timeBands.length === 0 ? undefined : bandsOf(route.timeBands, parsedBands),
      };
      const list = this.byPrefix.get(route.prefix);
      if (list) list.push(entry);
      else this.byPrefix.set(route.prefix, [entry]);
      if (route.prefix.length > this.longest) this.longest = route.prefix.length;
      size++;
    }
    for (const list of this.byPrefix.values()) list.sort(byPriorityThenPrice);
    this.size = size;
    this.chosenIn = new Uint32Array(slots.size);
  }

  /**
   * The routes for `digits` at `moment`, in the order to try them: at most `limit` (a call never
   * fails over through more; the proxy core allows ten failure rounds).
   */
  match(digits: string, moment: RoutingMoment, limit = 32): LcrEntry[] {
    const chosen: LcrEntry[] = [];
    // Wraps after 2^32 decisions; a slot last set exactly 2^32 decisions ago is then skipped once.
    const generation = (this.generation = (this.generation + 1) >>> 0 || 1);
    for (let length = Math.min(digits.length, this.longest); length >= 0; length--) {
      const list = this.byPrefix.get(length === digits.length ? digits : digits.slice(0, length));
      if (list === undefined) continue;
      for (const entry of list) {
        if (this.chosenIn[entry.trunkSlot] === generation) continue;
        if (entry.bands !== undefined && !inAnyBand(entry.bands, moment)) continue;
        this.chosenIn[entry.trunkSlot] = generation;
        chosen.push(entry);
        if (chosen.length === limit) return chosen;
      }
    }
    return chosen;
  }
}

function bandsOf(texts: readonly string[], parsed: Map<string, readonly TimeBand[]>): readonly TimeBand[] {
  const key = texts.join(';');
  let bands = parsed.get(key);
  if (bands === undefined) {
    bands = texts.map(parseTimeBand);
    parsed.set(key, bands);
  }
  return bands;
}

function inAnyBand(bands: readonly TimeBand[], moment: RoutingMoment): boolean {
  for (const band of bands) if (inTimeBand(band, moment.day, moment.minute)) return true;
  return false;
}

function byPriorityThenPrice(a: LcrEntry, b: LcrEntry): number {
  return a.priority - b.priority || a.price - b.price || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
