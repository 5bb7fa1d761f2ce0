// What the live feed sends, built from the collector event bus. The feed and the relay between
// collectors (live-relay.ts) both subscribe through onLiveMessages, so a message has one shape.
import type { CollectorEvents } from '../common/events.js';
import type { ServiceStateEvent } from '../console/service-state-events.js';
import type { IncidentView } from '../incidents/incident-view.js';

export const LIVE_TYPES = ['incident', 'agent', 'service'] as const;
export type LiveType = (typeof LIVE_TYPES)[number];

export type LiveMessage =
  | { type: 'incident'; event: string; at: string; incident: IncidentView }
  | { type: 'agent'; event: 'connected' | 'disconnected'; at: string; agent: { id: string; hostname: string } }
  | { type: 'service'; event: 'state'; at: string; service: Pick<ServiceStateEvent, 'id' | 'name' | 'state' | 'previous'> };

/** Subscribes `listener` to the live messages of `types` published on this collector's bus; returns the unsubscribes. */
export function onLiveMessages(events: CollectorEvents, types: readonly LiveType[], listener: (message: LiveMessage) => void): Array<() => void> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const subscriptions: Record<LiveType, () => () => void> = {
    incident: () => events.on('incident', (e) => listener({ type: 'incident', event: e.change, at: iso(e.atMs), incident: e.incident })),
    agent: () =>
      events.on('agent', (e) => listener({ type: 'agent', event: e.connected ? 'connected' : 'disconnected', at: iso(e.atMs), agent: { id: e.agentId, hostname: e.hostname } })),
    service: () =>
      events.on('service', (e) => listener({ type: 'service', event: 'state', at: iso(e.atMs), service: { id: e.id, name: e.name, state: e.state, previous: e.previous } })),
  };
  return types.map((type) => subscriptions[type]());
}
