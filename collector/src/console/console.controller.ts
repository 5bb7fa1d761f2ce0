import { Controller, Get, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ApiRoute, Input } from '../api/api-route.js';
import { ConsoleAssets } from './console-assets.js';

/** Paths the console's client-side router handles: each answers with the console page. */
export const CONSOLE_ROUTES = [
  '',
  'services',
  'services/:id',
  'incidents',
  'incidents/:id',
  'hosts',
  'hosts/:host',
  'capacity',
  'changes',
  'problems',
  'maintenance',
  'sign-in',
];

const assetPath = z.strictObject({ file: z.string() });

/** The console at `/` and its client routes, the public status page at `/status`, built assets at `/assets/`. */
@Controller()
export class ConsoleController {
  constructor(private readonly assets: ConsoleAssets) {}

  @Get(CONSOLE_ROUTES)
  @ApiRoute({ summary: 'The web console (one page; the path selects the view in the browser)', produces: ['text/html'] })
  page(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.assets.send(req, res, 'index.html');
  }

  @Get('status')
  @ApiRoute({ summary: 'The public status page', produces: ['text/html'] })
  status(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.assets.send(req, res, 'status.html');
  }

  @Get('assets/:file')
  @ApiRoute({ summary: "A built file of the console (content-hashed name, cached for a year)", params: assetPath, produces: ['text/javascript', 'text/css'] })
  asset(@Input('params') { file }: z.output<typeof assetPath>, @Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.assets.send(req, res, `assets/${file}`);
  }
}
