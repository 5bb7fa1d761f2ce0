import type { vigil } from '@vigil/proto';

export interface ReceivedBatch {
  agentId: string;
  epoch: string;
  seq: number;
  samples: number;
  series: vigil.v1.Series[];
  createdMs: number;
  /** Series the batch defined, and samples it sent by reference (both 0 for a batch of full series). */
  definitions: number;
  referenced: number;
}

export interface FakeCollectorOptions {
  token?: string;
  maxMessageBytes?: number;
  /** Returns a Rejection (without seq) to send before the ack, or undefined. */
  reject?: (batch: vigil.v1.Batch) => Omit<vigil.v1.Rejection.$Properties, 'seq'> | undefined;
  /** Serve TLS with this certificate; with `clientCa`, require client certificates signed by it (mutual TLS). */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer };
  /** Offer series references (Welcome.max_series_refs); referenced batches are resolved and recorded as full series. */
  seriesRefs?: number;
  /** Speak the contract as released before series references (proto/test/fixtures/telemetry.v1-0.proto): an old collector. */
  wire?: 'v1-0';
  /** The loopback address to listen on; 127.0.0.1 unless given. */
  host?: '127.0.0.1' | '::1';
  /** gRPC errors to end the next streams with, one per Hello (e.g. ALREADY_EXISTS). */
  refuseHellos?: { code: number; details: string }[];
}

export declare class FakeCollector {
  constructor(options?: FakeCollectorOptions);
  readonly token: string;
  readonly hellos: vigil.v1.Hello[];
  readonly batches: ReceivedBatch[];
  readonly heartbeats: vigil.v1.Heartbeat[];
  readonly authFailures: number;
  readonly batchCount: number;
  readonly sampleCount: number;
  readonly stored: Map<string, number>;
  port: number;
  readonly address: string;
  start(port?: number): Promise<number>;
  stop(): Promise<void>;
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  seqsOf(agentId: string): number[];
}
