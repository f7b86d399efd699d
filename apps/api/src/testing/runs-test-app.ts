import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Module, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import type { Caller } from '../app/auth/caller';
import type { AppConfig } from '../app/config/app-config';
import { AppConfigModule } from '../app/config/app-config.module';
import { loadConfig } from '../app/config/load-config';
import { MetricsModule } from '../app/metrics/metrics.module';
import { RunsModule } from '../app/runs/runs.module';
import type { ExecuteCommand } from '../app/runs/run-submission.service';

/** A runbook with an echo script (and optional extra sections). */
export function runbookText(name: string, script: string, extra = ''): string {
  return [
    `# ${name}`,
    'Test runbook.',
    '# Environment Requirements',
    '```yaml',
    '```',
    '# File System Requirements',
    '```yaml',
    'Input:',
    '```',
    extra,
    '# Script',
    '```sh',
    script,
    '```',
    '# History',
    '',
  ].join('\n');
}

/**
 * The runs feature of the real API in this process (embedded mode: SQLite in a temp folder, the
 * in-process ports, the real executor running zsh), for unit specs of its services.
 */
export class RunsTestApp {
  private constructor(
    readonly root: string,
    readonly config: AppConfig,
    readonly context: INestApplicationContext,
  ) {}

  static async start(
    runbooks: Record<string, string>,
    env: Record<string, string> = {},
    root = mkdtempSync(join(tmpdir(), 'api-runs-')),
  ): Promise<RunsTestApp> {
    // Run uids (when the sandbox is on) must traverse to the execution folder.
    chmodSync(root, 0o711);
    for (const dir of ['runbooks', 'execution', 'data'])
      mkdirSync(join(root, dir), { recursive: true });
    chmodSync(join(root, 'execution'), 0o711);
    for (const [file, text] of Object.entries(runbooks))
      writeFileSync(join(root, 'runbooks', file), text);
    const loaded = loadConfig({
      PATH: process.env['PATH'],
      RUNBOOKS_DIR: join(root, 'runbooks'),
      EXECUTION_DIR: join(root, 'execution'),
      RUNBOOK_DATA_DIR: join(root, 'data'),
      JWT_SECRET: 'unit-test-secret-that-is-long-enough-32',
      LOGGING_LEVEL: 'ERROR',
      ...env,
    });
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const config = loaded.config;
    @Module({
      imports: [AppConfigModule.forRoot(config), MetricsModule, RunsModule.forConfig(config)],
    })
    class RunsTestModule {}
    const context = await NestFactory.createApplicationContext(RunsTestModule, { logger: false });
    context.enableShutdownHooks();
    return new RunsTestApp(root, config, context);
  }

  get<T>(type: Type<T> | symbol): T {
    return this.context.get<T>(type, { strict: false });
  }

  /** An execute command as the controller would build it. */
  command(
    filename: string,
    caller: Partial<Caller> = {},
    envVars: Record<string, string> = {},
  ): ExecuteCommand {
    return {
      filename,
      caller: {
        userId: 'alice',
        roles: ['sre'],
        token: 'token',
        claims: { sub: 'alice', roles: ['sre'] },
        ...caller,
      },
      envVars,
      labels: {},
      correlationId: `corr-${Math.random().toString(16).slice(2)}`,
      recursionHeader: undefined,
      remoteIp: '127.0.0.1',
    };
  }

  /** Stops the context; `keep` leaves the folder for a restart on the same data. */
  async stop(keep = false): Promise<void> {
    await this.context.close();
    if (!keep) rmSync(this.root, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
