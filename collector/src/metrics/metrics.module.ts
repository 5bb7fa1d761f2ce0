import { Module } from '@nestjs/common';
import { FleetExporter } from './fleet.exporter.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsExposition } from './metrics.exposition.js';

@Module({ controllers: [MetricsController], providers: [FleetExporter, MetricsExposition] })
export class MetricsModule {}
