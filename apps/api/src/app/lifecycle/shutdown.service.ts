import { Inject, Injectable, Logger, type INestApplication } from '@nestjs/common';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RunSubmission } from '../runs/run-submission.service';
import { RunWorker } from '../runs/run-worker.service';
import { ShutdownNotice } from './shutdown-notice';

/**
 * Graceful shutdown (SIGTERM, SIGINT or `POST /api/shutdown`): stop taking runs, let running
 * ones finish for `SHUTDOWN_GRACE_SECONDS`, cancel and record the rest, close, exit 0.
 */
@Injectable()
export class ShutdownService {
  private readonly logger = new Logger('Shutdown');
  /** Tells open event streams (run views, `runbook logs --follow`) that the server is stopping. */
  readonly notice = new ShutdownNotice();
  private app: INestApplication | null = null;
  private started: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly submission: RunSubmission,
    private readonly runs: RunWorker,
  ) {}

  /** Gives the service the application it closes (called once from main). */
  attach(app: INestApplication): void {
    this.app = app;
  }

  /** Starts the shutdown once; later calls return the same promise. */
  begin(reason: string): Promise<void> {
    this.started ??= this.shutdown(reason);
    return this.started;
  }

  private async shutdown(reason: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.logger.log(`Shutting down (${reason}); ${this.runs.activeCount} run(s) active`);
    this.submission.stopAccepting();
    this.runs.stopAccepting();
    const graceMs = this.config.shutdownGraceSeconds * 1000;
    this.notice.announce(this.config.shutdownGraceSeconds, new Date(Date.now() + graceMs));
    const drained = await this.runs.drain(graceMs);
    if (!drained) {
      this.logger.warn(
        `Canceling ${this.runs.activeCount} run(s) still active after ${this.config.shutdownGraceSeconds}s`,
      );
      await this.runs.cancelAll('server shutdown');
    }
    await this.app?.close();
    this.logger.log('Stopped');
    process.exit(0);
  }
}
