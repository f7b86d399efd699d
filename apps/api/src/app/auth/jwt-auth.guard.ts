import { Injectable, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';

import type { Caller } from './caller';
import { IS_PUBLIC } from './public.decorator';
import { describeTokenFailure, readBearerToken } from './token-messages';

/** The global guard: every route needs a valid token unless marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const read = readBearerToken(
      context.switchToHttp().getRequest<Request>().headers.authorization,
    );
    if ('error' in read) throw new UnauthorizedException(read.error);
    return super.canActivate(context);
  }

  override handleRequest<TUser = Caller>(
    error: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (error instanceof UnauthorizedException) throw error;
    if (user) return user;
    const read = readBearerToken(
      context.switchToHttp().getRequest<Request>().headers.authorization,
    );
    const token = 'token' in read ? read.token : '';
    throw new UnauthorizedException(describeTokenFailure(error ?? info, token));
  }
}
