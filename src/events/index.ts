export { InProcessEventBus } from './in-process-bus.js';
export type {
  EventBus,
  EventFor,
  EventPattern,
  EventSource,
  EventType,
  GatewayEvent,
  GatewayEventType,
  RecordingEvent,
  RecordingEventType,
  RegistrationEvent,
  RegistrationEventType,
  RemovalReason,
  SwitchboardEvent,
  TrunkRegistrationEvent,
  TrunkRegistrationEventType,
  Unsubscribe,
} from './types.js';
