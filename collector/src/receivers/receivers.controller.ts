import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiRoute } from '../api/api-route.js';
import { ReceiverError } from './receiver-errors.js';
import { readBody, type ReceiverSource } from './receiver-request.js';
import { ReceiversService } from './receivers.service.js';

/** The HTTP receivers: remote write 1.0 and OTLP/HTTP metrics. Agent tokens, not API tokens. */
@Controller()
export class ReceiversController {
  constructor(private readonly receivers: ReceiversService) {}

  @Post('api/v1/write')
  @HttpCode(204)
  @ApiRoute({ summary: 'Prometheus remote write 1.0 (snappy-compressed protobuf WriteRequest)', consumes: ['application/x-protobuf'], auth: 'agent' })
  async remoteWrite(@Req() request: IncomingMessage): Promise<void> {
    await this.counted('remote_write', request, async (source, body) => {
      await this.receivers.remoteWrite(source, body);
      return 204;
    });
  }

  @Post('v1/metrics')
  @ApiRoute({ summary: 'OTLP/HTTP metrics (protobuf ExportMetricsServiceRequest, optionally gzip)', consumes: ['application/x-protobuf'], produces: ['application/x-protobuf'], auth: 'agent' })
  async otlp(@Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    await this.counted('otlp', request, async (source, body) => {
      const answer = await this.receivers.otlp(source, request.headers, body);
      response.statusCode = 200;
      response.setHeader('Content-Type', 'application/x-protobuf');
      response.end(answer);
      return 200;
    });
  }

  /** Runs one request and counts its status (errors go on to the API's exception filter). */
  private async counted(kind: ReceiverSource['kind'], request: IncomingMessage, handle: (source: ReceiverSource, body: Buffer) => Promise<number>): Promise<void> {
    try {
      const source = this.receivers.accept(kind, request.headers);
      const body = await readBody(request, this.receivers.maxBytes);
      this.receivers.countRequest(kind, await handle(source, body));
    } catch (error) {
      this.receivers.countRequest(kind, error instanceof ReceiverError ? error.getStatus() : 500);
      throw error;
    }
  }
}
