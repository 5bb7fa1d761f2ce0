// The OpenAPI 3.1 document, generated from the routes Nest registered and the zod schemas each
// route declares (api-route.ts). Nothing here is written per route.
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { ModulesContainer } from '@nestjs/core';
import { z } from 'zod';
import { routeSpecOf, type RouteSpec } from './api-route.js';

export interface RegisteredRoute {
  method: string;
  /** OpenAPI form: `/api/incidents/{id}`. */
  path: string;
  spec: RouteSpec | undefined;
}

type JsonSchema = Record<string, unknown>;

const joinPath = (...parts: string[]) => `/${parts.flatMap((p) => p.split('/')).filter(Boolean).join('/')}`;

/** Every route of every controller Nest knows, with its declared spec (if any). */
export function registeredRoutes(modules: ModulesContainer): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | undefined) ?? '';
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (method === undefined || paths === undefined) continue;
        for (const path of Array.isArray(paths) ? paths : [paths]) {
          routes.push({ method: RequestMethod[method]!.toLowerCase(), path: joinPath(base, path).replace(/:(\w+)/g, '{$1}'), spec: routeSpecOf(handler) });
        }
      }
    }
  }
  return routes;
}

/** JSON Schema of what a client sends (io: input: before transforms and defaults). */
function inputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return json;
}

function outputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  return json;
}

/** One OpenAPI parameter per property of an object schema. */
function parameters(where: 'query' | 'path', schema: z.ZodType | undefined, path: string): JsonSchema[] {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  if (!schema) return where === 'path' ? names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) : [];
  const json = inputSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[]; additionalProperties?: unknown };
  const out = Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
  // A record (`/api/series`: any other parameter is a label matcher) has no fixed names.
  if (where === 'query' && !json.properties) out.push({ name: 'labels', in: 'query', required: false, description: 'free-form parameters', schema: { type: 'object', additionalProperties: { type: 'string' } } as JsonSchema & { type: string } });
  return out;
}

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array', items: { type: 'string' } } },
};

const AUTH_401 = {
  read: 'an API token is required when auth.protect_reads is on',
  write: 'an API token is required',
  agent: 'an agent token is required',
} as const;

function operation(route: RegisteredRoute): JsonSchema {
  const spec = route.spec;
  const ok: JsonSchema = spec?.response
    ? { description: 'OK', content: { 'application/json': { schema: outputSchema(spec.response) } } }
    : spec?.produces
      ? { description: 'OK', content: Object.fromEntries(spec.produces.map((type) => [type, {}])) }
      : { description: 'OK' };
  const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
  return {
    summary: spec?.summary ?? `${route.method.toUpperCase()} ${route.path}`,
    parameters: [...parameters('path', spec?.params, route.path), ...parameters('query', spec?.query, route.path)],
    ...(spec?.body ? { requestBody: { required: true, content: { 'application/json': { schema: inputSchema(spec.body) } } } } : {}),
    ...(spec?.consumes ? { requestBody: { required: true, content: Object.fromEntries(spec.consumes.map((type) => [type, {}])) } } : {}),
    responses: {
      [route.method === 'post' && !spec?.response && !spec?.produces ? '204' : '200']: ok,
      ...(spec?.query || spec?.body || spec?.params ? { 400: error('invalid request: `issues` names each bad field') } : {}),
      ...(spec?.consumes ? { 400: error('invalid request: the body cannot be decoded or holds invalid samples'), 413: error('body over ingest.max_message_bytes'), 415: error('wrong Content-Type or Content-Encoding'), 503: error('storage cannot take the samples now; the sender retries') } : {}),
      ...(spec?.auth ? { 401: error(AUTH_401[spec.auth]) } : {}),
      ...(route.path.includes('{') ? { 404: error('not found') } : {}),
    },
  };
}

export function openApiDocument(routes: readonly RegisteredRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of [...routes].sort((a, b) => a.path.localeCompare(b.path))) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: { title: 'Vigil collector API', version },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: { apiToken: { type: 'http', scheme: 'bearer', description: 'a token of auth.api_tokens' } },
    },
  };
}
