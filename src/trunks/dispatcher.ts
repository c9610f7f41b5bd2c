import type { DispatchAlgorithm, Gateway } from '../store/index.js';
import type { GatewayHealth } from './gateway-health.js';

/**
 * Orders a trunk's gateways for one call, by the trunk's algorithm (Kamailio dispatcher's):
 * the first is tried first, the others are the failover order. Gateways the health says are
 * down, and disabled ones, are left out.
 *
 * - priority: by priority (lower first), then id.
 * - round-robin: a rotation that advances one place per call, per trunk.
 * - weighted: a weighted random draw without replacement (weight 0 goes last, as a reserve).
 * - hash-call-id: a rotation starting at hash(Call-ID): every request of a call goes to the same one.
 * - fewest-calls: the fewest INVITEs in progress first (counted by callStarted/callEnded).
 */
export class Dispatcher {
  private readonly rotations = new Map<string, number>();
  private readonly active = new Map<string, number>();

  constructor(
    private readonly health: GatewayHealth,
    private readonly random: () => number = Math.random,
  ) {}

  order(
    trunk: string,
    algorithm: DispatchAlgorithm,
    gateways: readonly Gateway[],
    callId: string,
  ): Gateway[] {
    const usable = gateways.filter((g) => g.enabled && this.health.isUp(g.id));
    if (usable.length <= 1) return usable;
    switch (algorithm) {
      case 'priority':
        return usable.sort(byPriority);
      case 'round-robin': {
        const turn = this.rotations.get(trunk) ?? 0;
        this.rotations.set(trunk, (turn + 1) % 1_000_000_007);
        return rotate(usable.sort(byPriority), turn % usable.length);
      }
      case 'hash-call-id':
        return rotate(usable.sort(byPriority), hash(callId) % usable.length);
      case 'weighted':
        return this.weighted(usable);
      case 'fewest-calls':
        return usable.sort((a, b) => this.activeCalls(a.id) - this.activeCalls(b.id) || byPriority(a, b));
    }
  }

  /** INVITEs in progress to a gateway. */
  activeCalls(gatewayId: string): number {
    return this.active.get(gatewayId) ?? 0;
  }

  /** Every gateway with INVITEs in progress, and how many. */
  activeByGateway(): ReadonlyMap<string, number> {
    return this.active;
  }

  callStarted(gatewayId: string): void {
    this.active.set(gatewayId, this.activeCalls(gatewayId) + 1);
  }

  callEnded(gatewayId: string): void {
    const n = this.activeCalls(gatewayId) - 1;
    if (n <= 0) this.active.delete(gatewayId);
    else this.active.set(gatewayId, n);
  }

  private weighted(gateways: Gateway[]): Gateway[] {
    const pool = gateways.filter((g) => g.weight > 0).sort(byPriority);
    const reserve = gateways.filter((g) => g.weight === 0).sort(byPriority);
    const ordered: Gateway[] = [];
    let total = pool.reduce((sum, g) => sum + g.weight, 0);
    while (pool.length > 0) {
      let draw = this.random() * total;
      let i = 0;
      while (i < pool.length - 1 && draw >= pool[i]!.weight) {
        draw -= pool[i]!.weight;
        i++;
      }
      const [picked] = pool.splice(i, 1);
      ordered.push(picked!);
      total -= picked!.weight;
    }
    return ordered.concat(reserve);
  }
}

function byPriority(a: Gateway, b: Gateway): number {
  return a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function rotate<T>(list: T[], by: number): T[] {
  return by === 0 ? list : list.slice(by).concat(list.slice(0, by));
}

/** FNV-1a over the Call-ID: cheap, stable across restarts and nodes. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
