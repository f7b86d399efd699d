import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';

import { AppModule } from './app/app.module';
import { loadConfig } from './app/config/load-config';
import { buildOpenApiDocument } from './app/operations/openapi';
import { OpenApiDocument } from './app/operations/openapi-document';
import { handleClientError } from './app/http/client-error-handler';
import { demoBanner } from './app/lifecycle/demo-banner';
import { assertPortAvailable, explainListenError } from './app/lifecycle/port-check';
import { ShutdownService } from './app/lifecycle/shutdown.service';
import { StartupError } from './app/lifecycle/startup-error';
import { CorrelationLogger } from './app/logging/correlation-logger';
import { logLevelsFor } from './app/logging/log-levels';
import { resolveWebDir, serveWebConsole } from './app/web/web-console';

async function bootstrap(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(
      `Configuration is invalid:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\n`,
    );
    process.exit(2);
  }
  const { config } = loaded;
  await assertPortAvailable(config.apiPort);
  const logger = new CorrelationLogger({
    logLevels: logLevelsFor(config.loggingLevel),
    json: config.logFormat === 'json',
    colors: config.logFormat === 'text' && process.stdout.isTTY === true,
  });
  for (const warning of config.security.warnings) logger.warn(warning, 'Config');
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bodyParser: false,
    logger,
  });
  const shutdown = app.get(ShutdownService);
  app.use(shutdown.notice.middleware);
  app.use(json({ limit: '1mb', strict: false, type: ['application/json', 'application/*+json'] }));
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  app.disable('x-powered-by');
  const hasConsole = serveWebConsole(app, resolveWebDir(config.webDir, __dirname));
  app.get(OpenApiDocument).set(buildOpenApiDocument(app));
  shutdown.attach(app);
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => void shutdown.begin(signal));
  app.getHttpServer().on('clientError', handleClientError);
  // Another process may have taken the port since the check above.
  await app.listen(config.apiPort).catch((error: unknown) => {
    throw explainListenError(config.apiPort, error);
  });
  if (config.demo) process.stdout.write(demoBanner(config, hasConsole));
  const banner = new Logger('Runbooks');
  banner.log(
    `Runbooks API listening on http://localhost:${config.apiPort} (runbooks: ${config.runbooksDir})`,
  );
  if (hasConsole) banner.log(`Web console at http://localhost:${config.apiPort}/`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`Runbooks could not start: ${describeStartupFailure(error)}\n`);
  process.exit(1);
});

/** An explained start-up failure is its message; anything else keeps its stack for debugging. */
function describeStartupFailure(error: unknown): string {
  if (error instanceof StartupError) return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
