import { credentials, makeGenericClientConstructor, Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { INGEST_STREAM_PATH, IngestService, vigil } from '@vigil/proto';

const Client = makeGenericClientConstructor(IngestService, 'Ingest');

/** A scripted agent for collector tests: speaks the real protocol over a real gRPC channel. */
export class TestAgent {
  readonly acks: number[] = [];
  readonly rejections: vigil.v1.IRejection[] = [];
  welcome: vigil.v1.IWelcome | undefined;
  error: ServiceError | undefined;
  private readonly client: InstanceType<typeof Client>;
  private stream: ClientDuplexStream<vigil.v1.AgentMessage, vigil.v1.CollectorMessage> | undefined;
  private waiters: Array<() => void> = [];

  constructor(address: string, private readonly token: string, readonly id = 'agent-1', readonly epoch = 'epoch-1', readonly hostname = 'host-1') {
    this.client = new Client(address, credentials.createInsecure());
  }

  connect(): this {
    const metadata = new Metadata();
    if (this.token) metadata.set('authorization', `Bearer ${this.token}`);
    const stream = (this.client as unknown as { stream(m: Metadata): ClientDuplexStream<vigil.v1.AgentMessage, vigil.v1.CollectorMessage> }).stream(metadata);
    this.stream = stream;
    stream.on('data', (m: vigil.v1.CollectorMessage) => {
      if (m.body === 'welcome') this.welcome = m.welcome!;
      if (m.body === 'ack') this.acks.push(Number(m.ack!.seq));
      if (m.body === 'rejection') this.rejections.push(m.rejection!);
      this.notify();
    });
    stream.on('error', (e: ServiceError) => {
      this.error = e;
      this.notify();
    });
    stream.on('end', () => this.notify());
    return this;
  }

  hello(extra: Partial<vigil.v1.IHello> = {}): this {
    this.send({ hello: { agentId: this.id, hostname: this.hostname, version: 'test', streamEpoch: this.epoch, intervalMs: 1000, ...extra } });
    return this;
  }

  batch(seq: number, series: vigil.v1.ISeries[]): this {
    this.send({ batch: { seq, series, createdMs: Date.now() } });
    return this;
  }

  send(message: vigil.v1.IAgentMessage): void {
    this.stream!.write(vigil.v1.AgentMessage.create(message as vigil.v1.AgentMessage));
  }

  /** Resolves when `predicate` holds, rejects after `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; acks=${JSON.stringify(this.acks)} error=${this.error?.message}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.stream?.end();
    this.client.close();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** A gauge series with consecutive per-second points starting at `startMs`. */
export function gauge(metric: string, labels: Record<string, string>, startMs: number, values: number[]): vigil.v1.ISeries {
  return { metric, labels, type: vigil.v1.MetricType.METRIC_TYPE_GAUGE, timestampsMs: values.map((_, i) => startMs + i * 1000), values };
}

/** Sends arbitrary bytes as one gRPC message on the ingest stream; resolves to the call's error. */
export function sendRawFrame(address: string, token: string, bytes: Buffer): Promise<ServiceError> {
  const client = new Client(address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const call = client.makeBidiStreamRequest(INGEST_STREAM_PATH, (b: Buffer) => b, (b: Buffer) => b, metadata);
  return new Promise((resolve) => {
    call.on('error', (e: ServiceError) => {
      client.close();
      resolve(e);
    });
    call.on('data', () => undefined);
    call.write(bytes);
  });
}
