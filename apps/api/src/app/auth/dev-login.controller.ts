import { createSecretKey, type KeyObject } from 'node:crypto';

import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import type { DevLoginRequest, DevLoginResponse } from '@runbooks/types';
import { sign, type Algorithm } from 'jsonwebtoken';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import {
  ApiErrors,
  ApiJsonBody,
  ApiJsonResult,
  ApiOperationDoc,
} from '../docs/api-docs.decorators';
import { AppError } from '../errors/app-error';
import { ExecuteRateLimit } from '../rate-limit/rate-limit.decorators';
import { pythonIsoFormat } from '../history/python-iso-format';
import { Public } from './public.decorator';

/** `POST /dev-login`: mints a token for local use when `ENABLE_LOGIN=true`. */
@Controller()
export class DevLoginController {
  /** The HMAC key as a KeyObject (jsonwebtoken would re-parse a string on every call). */
  private readonly signingKey: KeyObject;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.signingKey = createSecretKey(Buffer.from(config.jwt.secret, 'utf8'));
  }

  @ApiOperationDoc({
    tag: 'Auth',
    operationId: 'devLogin',
    summary: 'Mint a development token',
    description:
      'Only when ENABLE_LOGIN=true (404 otherwise). Signs `{iss, aud, sub, iat, exp, roles}` with JWT_SECRET; defaults subject `dev-user-1`, roles `["developer"]`, lifetime JWT_TTL_MINUTES. Counts against the execute rate limit.',
  })
  @ApiJsonBody('DevLoginRequest', 'Subject and roles (both optional)')
  @ApiJsonResult(200, 'DevLoginResponse', 'The token')
  @ApiErrors(400, 403, 404, 413, 429)
  @Public()
  @ExecuteRateLimit()
  @Post('dev-login')
  @HttpCode(200)
  login(@Body() body: DevLoginRequest | undefined): DevLoginResponse {
    if (!this.config.enableLogin) throw new AppError('NOT_FOUND', 'Not found');
    const subject =
      typeof body?.subject === 'string' && body.subject !== '' ? body.subject : 'dev-user-1';
    const roles = readRoles(body?.roles);
    const now = Math.floor(Date.now() / 1000);
    const expires = now + this.config.jwt.ttlMinutes * 60;
    const { jwt } = this.config;
    let accessToken: string;
    try {
      accessToken = sign(
        { iss: jwt.issuer, aud: jwt.audience, sub: subject, iat: now, exp: expires, roles },
        this.signingKey,
        {
          algorithm: jwt.algorithm as Algorithm,
        },
      );
    } catch (error) {
      throw new AppError(
        'FORBIDDEN',
        `Error generating token: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_at: pythonIsoFormat(new Date(expires * 1000)),
      subject,
      roles,
    };
  }
}

/** `roles` must be a list of strings (default `["developer"]`): anything else is a 400. */
function readRoles(roles: unknown): string[] {
  if (roles === undefined || roles === null) return ['developer'];
  if (!Array.isArray(roles) || !roles.every((role): role is string => typeof role === 'string')) {
    throw new AppError('BAD_REQUEST', 'roles must be a list of strings');
  }
  return roles;
}
