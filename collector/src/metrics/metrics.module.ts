import { Module } from '@nestjs/common';
import { FleetExporter } from './fleet.exporter.js';
import { MetricsController } from './metrics.controller.js';

@Module({ controllers: [MetricsController], providers: [FleetExporter] })
export class MetricsModule {}
