import { Controller, Get, Module } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { VERSION } from '../version.js';
import { ApiRoute } from './api-route.js';
import { openApiDocument, registeredRoutes } from './openapi.js';

/** GET /api/openapi.json: always open, so clients can discover the API before they hold a token. */
@Controller('api')
export class OpenApiController {
  private document: Record<string, unknown> | undefined;

  constructor(private readonly modules: ModulesContainer) {}

  @Get('openapi.json')
  @ApiRoute({ summary: 'This document: every route, its parameters, body and answer (OpenAPI 3.1)' })
  get(): Record<string, unknown> {
    // Routes are fixed once the app is up; build on first request.
    return (this.document ??= openApiDocument(registeredRoutes(this.modules), VERSION));
  }
}

@Module({ controllers: [OpenApiController] })
export class OpenApiModule {}
