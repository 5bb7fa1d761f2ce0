import type { ServerResponse } from 'node:http';
import type { RenderedReport } from './render/index.js';

/**
 * Sends a rendered report as the HTTP response. JSON is shown as is; CSV and HTML carry a file name
 * (`inline`, so a browser still shows them) made safe for the header.
 */
export function writeReport(res: ServerResponse, report: RenderedReport, fileName: string | undefined): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', report.contentType);
  if (fileName !== undefined) res.setHeader('Content-Disposition', `inline; filename="${fileName.replace(/[^A-Za-z0-9_.-]/g, '_')}"`);
  res.end(report.body);
}
