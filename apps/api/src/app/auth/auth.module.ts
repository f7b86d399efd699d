import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';

import { RunbooksThrottlerGuard } from '../rate-limit/runbooks-throttler.guard';
import { AdminGuard } from './admin.guard';
import { DevLoginController } from './dev-login.controller';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';

/** Who the caller is: the global JWT guard (behind the rate limits), the admin guard, dev login. */
@Module({
  imports: [PassportModule],
  controllers: [DevLoginController],
  providers: [
    // Guards run in this order: rate limits first (bad tokens count too), then the JWT.
    { provide: APP_GUARD, useClass: RunbooksThrottlerGuard },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    JwtStrategy,
    AdminGuard,
  ],
  exports: [AdminGuard],
})
export class AuthModule {}
