import { Injectable, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';

import type { AuthenticatedRequest, Caller } from './caller';
import { IS_PUBLIC } from './public.decorator';
import { describeTokenFailure, readBearerToken } from './token-messages';
import { VerifiedTokenCache } from './verified-token-cache';

/**
 * The global guard: every route needs a valid token unless marked `@Public()`. Tokens are verified
 * by passport-jwt; one verified in the last minute (and not expired) is taken from a cache.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly verified = new VerifiedTokenCache();

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const read = readBearerToken(request.headers.authorization);
    if ('error' in read) throw new UnauthorizedException(read.error);
    const known = this.verified.get(read.token);
    if (known) {
      request.user = known;
      return true;
    }
    return super.canActivate(context);
  }

  override handleRequest<TUser = Caller>(
    error: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (error instanceof UnauthorizedException) throw error;
    const read = readBearerToken(
      context.switchToHttp().getRequest<Request>().headers.authorization,
    );
    if (user) {
      if ('token' in read) this.verified.remember(read.token, user as unknown as Caller);
      return user;
    }
    const token = 'token' in read ? read.token : '';
    throw new UnauthorizedException(describeTokenFailure(error ?? info, token));
  }
}
