import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { TokenVerifier, bearerToken } from '../auth/token-verifier.js';

/** Guards write routes: `Authorization: Bearer <api token>` from `auth.api_tokens`. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(private readonly tokens: TokenVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (!this.tokens.isApiToken(bearerToken(request.headers.authorization))) {
      throw new UnauthorizedException({ error: 'unauthorized', message: 'a valid API token is required (Authorization: Bearer <token>)' });
    }
    return true;
  }
}

/** Guards read routes only when `auth.protect_reads` is set. */
@Injectable()
export class ReadAccessGuard implements CanActivate {
  constructor(private readonly tokens: TokenVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokens.protectReads) return true;
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (!this.tokens.isApiToken(bearerToken(request.headers.authorization))) {
      throw new UnauthorizedException({ error: 'unauthorized', message: 'a valid API token is required (Authorization: Bearer <token>)' });
    }
    return true;
  }
}
