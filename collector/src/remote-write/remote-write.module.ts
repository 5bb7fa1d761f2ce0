import { Module } from '@nestjs/common';
import { RemoteWriteMetrics } from './remote-write.metrics.js';
import { RemoteWriteRepository } from './remote-write.repository.js';
import { RemoteWriteService } from './remote-write.service.js';

/**
 * Remote write: every stored sample, in storage order, to each configured Prometheus remote-write
 * receiver. Reads the store's log through its own journal (docs/storage.md); exports nothing.
 */
@Module({ providers: [RemoteWriteRepository, RemoteWriteMetrics, RemoteWriteService] })
export class RemoteWriteModule {}
