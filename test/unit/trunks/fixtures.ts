import type { Gateway, LcrRoute, RoutingSnapshot, Trunk } from '../../../src/store/index.js';

const created = new Date(0);

export function trunk(name: string, over: Partial<Trunk> = {}): Trunk {
  return {
    name,
    enabled: true,
    inboundCidrs: [],
    inboundStrip: 0,
    inboundPrefix: '',
    dispatch: 'priority',
    stripDigits: 0,
    prefix: '',
    codecs: [],
    createdAt: created,
    ...over,
  };
}

export function gateway(id: string, trunkName: string, over: Partial<Gateway> = {}): Gateway {
  return {
    id,
    trunk: trunkName,
    uri: `sip:${id}.invalid`,
    transport: 'udp',
    priority: 0,
    weight: 1,
    probe: true,
    enabled: true,
    createdAt: created,
    ...over,
  };
}

export function route(id: string, prefix: string, trunkName: string, over: Partial<LcrRoute> = {}): LcrRoute {
  return {
    id,
    prefix,
    trunk: trunkName,
    priority: 0,
    timeBands: [],
    enabled: true,
    createdAt: created,
    ...over,
  };
}

export function snapshot(over: Partial<RoutingSnapshot> = {}): RoutingSnapshot {
  return { revision: 1, trunks: [], gateways: [], routes: [], ...over };
}
