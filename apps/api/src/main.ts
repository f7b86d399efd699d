import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';

import { AppModule } from './app/app.module';
import { loadConfig } from './app/config/load-config';
import { buildOpenApiDocument } from './app/docs/openapi';
import { OpenApiDocument } from './app/docs/openapi-document';
import { ShutdownService } from './app/lifecycle/shutdown.service';
import { serveWebConsole } from './app/web/web-console';

async function bootstrap(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(
      `Configuration is invalid:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\n`,
    );
    process.exit(2);
  }
  const { config } = loaded;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bodyParser: false,
    logger:
      config.loggingLevel.toUpperCase() === 'DEBUG'
        ? ['error', 'warn', 'log', 'debug']
        : ['error', 'warn', 'log'],
  });
  app.use(json({ limit: '1mb', strict: false, type: ['application/json', 'application/*+json'] }));
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  app.disable('x-powered-by');
  const hasConsole = serveWebConsole(app, config.webDir);
  app.get(OpenApiDocument).set(buildOpenApiDocument(app));
  const shutdown = app.get(ShutdownService);
  shutdown.attach(app);
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => void shutdown.begin(signal));
  await app.listen(config.apiPort);
  const logger = new Logger('Runbooks');
  logger.log(
    `Runbooks API listening on http://localhost:${config.apiPort} (runbooks: ${config.runbooksDir})`,
  );
  if (hasConsole) logger.log(`Web console at http://localhost:${config.apiPort}/`);
}

void bootstrap();
