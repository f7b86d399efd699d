import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { normalizeTokenClaims } from '@runbooks/rbac';
import type { Request } from 'express';
import { Strategy, type SecretOrKeyProvider } from 'passport-jwt';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Caller } from './caller';
import { JwksKeySource } from './jwks-key-source';
import { readBearerToken } from './token-messages';
import { tokenSanityProblem } from './token-sanity';

/**
 * The verification key as a KeyObject, built once: given a string, jsonwebtoken tries to parse it
 * as a PEM public key on every verification (and throws and catches when it is a secret), which
 * cost more than the rest of a request.
 */
export function verificationKey(config: AppConfig): KeyObject {
  const { jwt } = config;
  return jwt.publicKey
    ? createPublicKey(jwt.publicKey)
    : createSecretKey(Buffer.from(jwt.secret, 'utf8'));
}

function keyOptions(
  config: AppConfig,
): { secretOrKey: string } | { secretOrKeyProvider: SecretOrKeyProvider } {
  const { jwt } = config;
  if (jwt.jwksUrl) {
    const keys = new JwksKeySource({
      url: jwt.jwksUrl,
      refetchIntervalMs: jwt.jwksRefetchIntervalSeconds * 1000,
    });
    return {
      secretOrKeyProvider: (_request, rawJwtToken, done) => {
        // No key (unknown kid) reaches jsonwebtoken as null: "Unable to find a signing key".
        keys.keyForToken(String(rawJwtToken)).then(
          (key) => done(null, key as unknown as string),
          (error: unknown) => done(error),
        );
      },
    };
  }
  // passport-jwt hands the key to jsonwebtoken untouched; its typings only know strings.
  return { secretOrKey: verificationKey(config) as unknown as string };
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
    const token = 'token' in read ? read.token : '';
    const problem = tokenSanityProblem(token, payload, Date.now() / 1000);
    if (problem !== null) throw new UnauthorizedException(problem);
    const { userId, roles, claims } = normalizeTokenClaims(payload);
    return { userId, roles, claims, token };
  }
}
