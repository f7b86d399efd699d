import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { evaluateClaims, formatDenial } from '@runbooks/rbac';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import type { AuthenticatedRequest } from './caller';

/** Lets through callers holding `ADMIN_REQUIRED_CLAIMS` (default `roles=admin`); 403 otherwise. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const decision = evaluateClaims(this.config.adminRequiredClaims, request.user.claims, {
      multiValuedClaims: this.config.security.multiValuedClaims,
    });
    if (!decision.allowed) throw new AppError('FORBIDDEN', formatDenial('admin', decision));
    return true;
  }
}
