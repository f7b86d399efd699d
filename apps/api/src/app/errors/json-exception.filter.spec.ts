import { Controller, Get, Module, Post, type INestApplication } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { DispatchError } from '@runbooks/dispatch';
import { HistoryError } from '@runbooks/history';

import { AppError } from './app-error';
import { JsonExceptionFilter } from './json-exception.filter';
import { FailuresCarrySuccessFlag } from './success-flag';

@Controller('t')
class ThrowingController {
  @Get('app')
  app(): never {
    throw new AppError('CONFLICT', 'Run r is not active');
  }

  @Post('execute')
  @FailuresCarrySuccessFlag()
  execute(): never {
    throw new AppError('FORBIDDEN', 'RBAC check failed');
  }

  @Post('execute-async')
  @FailuresCarrySuccessFlag()
  async executeAsync(): Promise<never> {
    await new Promise((resolve) => setImmediate(resolve));
    throw new AppError('UNAVAILABLE', 'Server is shutting down');
  }

  @Get('store-down')
  storeDown(): never {
    throw new HistoryError('STORE_UNAVAILABLE', 'connect ECONNREFUSED /var/run/secret.sock');
  }

  @Get('bad-cursor')
  badCursor(): never {
    throw new HistoryError('INVALID_CURSOR', 'The cursor is not one this server made');
  }

  @Get('queue-down')
  queueDown(): never {
    throw new DispatchError('QUEUE_UNAVAILABLE', 'Redis is unavailable: ECONNREFUSED');
  }

  @Get('bug')
  bug(): never {
    throw new DispatchError('INVALID_EVENT', 'internal detail at /srv/app/x.js');
  }

  @Get('crash')
  crash(): never {
    throw new TypeError('Cannot read properties of undefined (/srv/app/main.js)');
  }
}

@Module({
  controllers: [ThrowingController],
  providers: [{ provide: APP_FILTER, useClass: JsonExceptionFilter }],
})
class ThrowingModule {}

describe('JsonExceptionFilter (a real Nest HTTP app)', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(ThrowingModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `${await app.getUrl()}/t`.replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app.close());

  const call = async (path: string, method = 'GET') => {
    const response = await fetch(`${base}/${path}`, { method });
    return { status: response.status, body: await response.json() };
  };

  it('answers an AppError with its status and message', async () => {
    expect(await call('app')).toEqual({ status: 409, body: { error: 'Run r is not active' } });
  });

  it('adds success: false on routes that ask for it, sync or async', async () => {
    expect(await call('execute', 'POST')).toEqual({
      status: 403,
      body: { error: 'RBAC check failed', success: false },
    });
    expect(await call('execute-async', 'POST')).toEqual({
      status: 503,
      body: { error: 'Server is shutting down', success: false },
    });
  });

  it('maps library codes through its tables: unavailable 503, caller mistakes 400', async () => {
    expect(await call('store-down')).toEqual({
      status: 503,
      body: { error: 'Service unavailable: the run store cannot be reached' },
    });
    expect(await call('queue-down')).toEqual({
      status: 503,
      body: { error: 'Service unavailable: the dispatch service cannot be reached' },
    });
    expect(await call('bad-cursor')).toEqual({
      status: 400,
      body: { error: 'The cursor is not one this server made' },
    });
  });

  it('answers bugs with a generic 500 that names no path', async () => {
    for (const path of ['bug', 'crash']) {
      const answer = await call(path);
      expect(answer).toEqual({ status: 500, body: { error: 'A processing error occurred' } });
    }
  });

  it('answers unknown routes 404 and wrong methods 405 in JSON', async () => {
    expect(await call('nowhere')).toEqual({ status: 404, body: { error: 'Not found' } });
    const wrong = await fetch(`${base}/app`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
  });
});
