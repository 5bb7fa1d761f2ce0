// Service state changes as published on the collector event bus ('service'). The live feed relays
// them to browsers; the console never learns who listens.
import type { ServiceState } from './domain/service-state.js';

export interface ServiceStateEvent {
  id: string;
  name: string;
  state: ServiceState;
  /** The state before this change. */
  previous: ServiceState;
  atMs: number;
}

declare module '../common/events.js' {
  interface CollectorEventMap {
    /** A service's current state (up, degraded, down, no data, maintenance) changed. */
    service: [event: ServiceStateEvent];
  }
}
