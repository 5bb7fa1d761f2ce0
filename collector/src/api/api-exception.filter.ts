import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { describeError } from '../common/errors.js';

/** Every error body of the HTTP API: what went wrong, and either a sentence or the list of bad fields. */
export interface ApiErrorBody {
  error: string;
  message?: string;
  issues?: string[];
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ApiErrorBody).error === 'string' && !('statusCode' in value);
}

/**
 * The body for an HttpException: ours pass through; those Nest and Express raise themselves
 * (unknown route, unreadable JSON, bad percent-encoding, oversized body) are put into the same shape.
 */
function bodyOf(exception: HttpException, request: IncomingMessage): ApiErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (isApiErrorBody(response)) return response;
  const cause = exception.cause;
  if (cause instanceof SyntaxError) return { error: 'invalid request', issues: [`(body): not valid JSON (${cause.message})`] };
  if (cause instanceof URIError) return { error: 'invalid request', issues: ['(path): malformed percent-encoding'] };
  const error = (STATUS_CODES[status] ?? 'error').toLowerCase();
  if (status === 404 && exception.constructor.name === 'NotFoundException' && typeof response === 'object' && /^Cannot /.test(String((response as { message?: unknown }).message))) {
    const path = (request.url ?? '').split('?')[0];
    return { error, message: `there is no ${request.method ?? 'GET'} ${path}; every route is listed in /api/openapi.json` };
  }
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  return { error, ...(message !== undefined ? { message: Array.isArray(message) ? message.join('; ') : String(message) } : {}) };
}

/** Maps every error of the HTTP API to a JSON response, in one place. Unknown errors become 500. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('api');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<ServerResponse>();
    let status = 500;
    let body: ApiErrorBody = { error: 'internal error' };
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      body = bodyOf(exception, http.getRequest<IncomingMessage>());
    } else {
      this.log.error(describeError(exception));
    }
    if (res.headersSent) return;
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }
}
