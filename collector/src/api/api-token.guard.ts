import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { TokenVerifier, bearerToken } from '../auth/token-verifier.js';

/** Passes when the request's bearer token is accepted, else answers 401 with what is needed. */
function requireToken(context: ExecutionContext, accepted: (token: string | undefined) => boolean, needed: string): true {
  const request = context.switchToHttp().getRequest<IncomingMessage>();
  if (!accepted(bearerToken(request.headers.authorization))) {
    throw new UnauthorizedException({ error: 'unauthorized', message: `${needed} is required (Authorization: Bearer <token>)` });
  }
  return true;
}

/** Guards write routes: `Authorization: Bearer <api token>` from `auth.api_tokens`. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(private readonly tokens: TokenVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    return requireToken(context, (t) => this.tokens.isApiToken(t), 'a valid API token');
  }
}

/** Guards read routes only when `auth.protect_reads` is set. */
@Injectable()
export class ReadAccessGuard implements CanActivate {
  constructor(private readonly tokens: TokenVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    return !this.tokens.protectReads || requireToken(context, (t) => this.tokens.isApiToken(t), 'a valid API token');
  }
}

/** Guards /metrics when `auth.protect_reads` is set: a metrics token (for scrapers) or an API token. */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(private readonly tokens: TokenVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    return !this.tokens.protectReads || requireToken(context, (t) => this.tokens.mayReadMetrics(t), 'a valid metrics or API token');
  }
}
