import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { normalizeTokenClaims } from '@runbooks/rbac';
import type { Request } from 'express';
import { passportJwtSecret } from 'jwks-rsa';
import { Strategy } from 'passport-jwt';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Caller } from './caller';
import { readBearerToken } from './token-messages';

function keyOptions(
  config: AppConfig,
): { secretOrKey: string } | { secretOrKeyProvider: ReturnType<typeof passportJwtSecret> } {
  const { jwt } = config;
  if (jwt.jwksUrl) {
    return {
      secretOrKeyProvider: passportJwtSecret({
        jwksUri: jwt.jwksUrl,
        cache: true,
        rateLimit: true,
      }),
    };
  }
  return { secretOrKey: jwt.publicKey || jwt.secret };
}

/** Verifies bearer tokens: one algorithm, required issuer and audience, optional required `exp`. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super({
      jwtFromRequest: (request: Request) => {
        const read = readBearerToken(request.headers.authorization);
        return 'token' in read ? read.token : null;
      },
      ...keyOptions(config),
      algorithms: [config.jwt.algorithm as 'HS256'],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  validate(request: Request, payload: Record<string, unknown>): Caller {
    if (this.config.jwt.requireExp && payload['exp'] === undefined) {
      throw new UnauthorizedException('Invalid token: Token is missing the "exp" claim');
    }
    const read = readBearerToken(request.headers.authorization);
    const { userId, roles, claims } = normalizeTokenClaims(payload);
    return { userId, roles, claims, token: 'token' in read ? read.token : '' };
  }
}
