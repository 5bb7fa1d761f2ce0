import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { describeError } from './errors.js';
import type { StoredSeriesSamples } from './samples.js';

export interface AgentConnectionEvent {
  agentId: string;
  hostname: string;
  connected: boolean;
  atMs: number;
}

/**
 * Events and their arguments. A feature that publishes its own events adds them here by module
 * augmentation next to its event type (see incidents/incident-events.ts), so common/ stays free of
 * feature imports while listeners stay typed.
 */
export interface CollectorEventMap {
  /** Samples of committed batches, emitted after the commit and before the ack is sent. */
  samples: [samples: StoredSeriesSamples[]];
  agent: [event: AgentConnectionEvent];
}

/**
 * In-process fan-out of what ingest stored, who connected and how incidents changed. Rules,
 * rollups and the live feed listen here; listeners must be fast and must not throw (a throwing
 * listener is logged and skipped).
 */
export class CollectorEvents {
  private readonly emitter = new EventEmitter({ captureRejections: false });
  private readonly log = new Logger('events');

  constructor() {
    this.emitter.setMaxListeners(50);
  }

  on<K extends keyof CollectorEventMap>(event: K, listener: (...args: CollectorEventMap[K]) => void): () => void {
    const safe = (...args: CollectorEventMap[K]) => {
      try {
        listener(...args);
      } catch (error) {
        this.log.error(`${event} listener failed: ${describeError(error)}`);
      }
    };
    this.emitter.on(event, safe as (...a: unknown[]) => void);
    return () => this.emitter.off(event, safe as (...a: unknown[]) => void);
  }

  emit<K extends keyof CollectorEventMap>(event: K, ...args: CollectorEventMap[K]): void {
    this.emitter.emit(event, ...args);
  }
}
