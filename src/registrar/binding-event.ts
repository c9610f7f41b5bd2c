import type { RegistrationEvent, RegistrationEventType, RemovalReason } from '../events/index.js';
import type { Binding } from '../location/index.js';

/** The bus event for a binding change at `now` (expires: seconds left, 0 once gone). */
export function bindingEvent(
  type: RegistrationEventType,
  b: Binding,
  now: number,
  reason?: RemovalReason,
): RegistrationEvent {
  const gone = type === 'registration.removed' || type === 'registration.expired';
  const event: RegistrationEvent = {
    type,
    aor: b.aor,
    contact: b.contact,
    source: { protocol: b.source.protocol, address: b.source.address, port: b.source.port },
    expires: gone ? 0 : Math.max(0, Math.round((b.expiresAt - now) / 1000)),
    at: now,
  };
  if (b.instanceId !== undefined) event.instanceId = b.instanceId;
  if (b.userAgent !== undefined) event.userAgent = b.userAgent;
  if (reason) event.reason = reason;
  return event;
}
