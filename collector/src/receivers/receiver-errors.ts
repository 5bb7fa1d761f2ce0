// The one place where receiver failures become HTTP answers. Senders read the status only:
// 4xx is permanent (Prometheus and OTLP exporters drop the request), 5xx is retried with backoff.
// Bodies follow the API's one error shape (api/api-exception.filter.ts).
import { HttpException } from '@nestjs/common';

export type ReceiverProblem = 'unauthorized' | 'unsupported media type' | 'payload too large' | 'invalid request' | 'service unavailable';

const STATUS: Record<ReceiverProblem, number> = {
  unauthorized: 401,
  'unsupported media type': 415,
  'payload too large': 413,
  'invalid request': 400,
  'service unavailable': 503,
};

export class ReceiverError extends HttpException {
  constructor(readonly problem: ReceiverProblem, message: string) {
    super({ error: problem, message }, STATUS[problem]);
  }
}
