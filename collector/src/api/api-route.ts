// What each HTTP route takes and returns, declared once next to the handler. The same schemas
// validate requests (`@Input`) and describe the API (`GET /api/openapi.json`), so the document
// cannot drift from what the code accepts.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { parseInput } from './validation.js';

export interface RouteSpec {
  /** One line for the route list. */
  summary: string;
  /** Query parameters: an object schema, one property per parameter. */
  query?: z.ZodType;
  /** Path parameters (`:id`): an object schema. */
  params?: z.ZodType;
  /** The JSON body. */
  body?: z.ZodType;
  /** The JSON of a successful answer; absent for routes without one (204) or not JSON (`produces`). */
  response?: z.ZodType;
  /** Content types of a non-JSON answer (reports, metrics). */
  produces?: string[];
  /** Content types of a non-JSON request body (the receivers' protobuf); such routes may answer 400, 413 and 415. */
  consumes?: string[];
  /** Why the route may answer 401: `read` with auth.protect_reads, `write` always without an API token, `agent` without an agent token. */
  auth?: 'read' | 'write' | 'agent';
}

const ROUTE_SPEC = Symbol('vigil:route-spec');

/** Declares what the decorated handler takes and returns. */
export function ApiRoute(spec: RouteSpec): MethodDecorator {
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(ROUTE_SPEC, spec, descriptor.value as object);
    return descriptor;
  };
}

/** The same declaration for a handler whose controller cannot carry the decorator. */
export function describeRoute<T extends object>(controller: abstract new (...args: never[]) => T, method: keyof T & string, spec: RouteSpec): void {
  const handler = controller.prototype[method] as unknown;
  if (typeof handler !== 'function') throw new Error(`internal: ${controller.name}.${method} is not a handler`);
  Reflect.defineMetadata(ROUTE_SPEC, spec, handler);
}

export function routeSpecOf(handler: object): RouteSpec | undefined {
  return Reflect.getMetadata(ROUTE_SPEC, handler) as RouteSpec | undefined;
}

/**
 * The request's query, path parameters or body, parsed with the schema the route declares in
 * `@ApiRoute` (a 400 listing every bad field otherwise).
 */
export const Input = createParamDecorator((part: 'query' | 'params' | 'body', context: ExecutionContext) => {
  const schema = routeSpecOf(context.getHandler())?.[part];
  if (!schema) throw new Error(`internal: ${context.getClass().name}.${context.getHandler().name} declares no ${part} schema in @ApiRoute`);
  const request = context.switchToHttp().getRequest<IncomingMessage & { query?: unknown; params?: unknown; body?: unknown }>();
  return parseInput(schema, request[part]);
});
