import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** The console at `/` and its client routes, the public status page at `/status`, built assets at `/assets/`. */
@Controller()
export class ConsoleController {
  constructor(private readonly assets: ConsoleAssets) {}

  @Get(CONSOLE_ROUTES)
  page(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.assets.send(req, res, 'index.html');
  }

  @Get('status')
  status(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.assets.send(req, res, 'status.html');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    this.assets.send(req, res, `assets/${file}`);
  }
}
