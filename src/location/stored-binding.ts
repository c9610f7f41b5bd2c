import type { TransportProtocol } from '../sip/transport/index.js';
import type { StoredBinding } from '../store/types.js';
import type { Binding } from './types.js';

const protocols = new Set<TransportProtocol>(['udp', 'tcp', 'tls', 'ws', 'wss']);

/** The row kept by the provisioning store (the stream connection id is not kept: it dies with the process). */
export function toStored(b: Binding): StoredBinding {
  const stored: StoredBinding = {
    aor: b.aor,
    contact: b.contact,
    expiresAt: new Date(b.expiresAt),
    q: b.q,
    callId: b.callId,
    cseq: b.cseq,
    source: { protocol: b.source.protocol, address: b.source.address, port: b.source.port },
    path: [...b.path],
  };
  if (b.instanceId !== undefined) stored.instanceId = b.instanceId;
  if (b.regId !== undefined) stored.regId = b.regId;
  if (b.userAgent !== undefined) stored.userAgent = b.userAgent;
  return stored;
}

/** A binding back from the store; undefined when the row is unusable (unknown transport). */
export function fromStored(s: StoredBinding, now: number): Binding | undefined {
  const protocol = s.source.protocol.toLowerCase() as TransportProtocol;
  if (!protocols.has(protocol)) return undefined;
  const expiresAt = s.expiresAt instanceof Date ? s.expiresAt.getTime() : new Date(s.expiresAt).getTime();
  if (!Number.isFinite(expiresAt)) return undefined;
  return {
    aor: s.aor,
    contact: s.contact,
    expiresAt,
    q: s.q,
    callId: s.callId,
    cseq: s.cseq,
    source: { protocol, address: s.source.address, port: s.source.port },
    path: s.path.length > 0 ? [...s.path] : noPath,
    // Every field set, absent ones undefined: one object shape for all bindings.
    instanceId: s.instanceId ?? undefined,
    regId: s.regId ?? undefined,
    userAgent: s.userAgent ?? undefined,
    updatedAt: now,
  };
}

/** One shared empty Path for the bindings that have none (most of them). */
export const noPath: readonly string[] = Object.freeze([]);
