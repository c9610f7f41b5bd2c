export { InProcessEventBus } from './in-process-bus.js';
export type {
  EventBus,
  EventFor,
  EventPattern,
  EventSource,
  EventType,
  RecordingEvent,
  RecordingEventType,
  RegistrationEvent,
  RegistrationEventType,
  RemovalReason,
  SwitchboardEvent,
  Unsubscribe,
} from './types.js';
