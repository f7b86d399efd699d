import { Inject, Injectable } from '@nestjs/common';
import type { Run } from '@runbooks/history';

import type { Caller } from '../auth/caller';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { RunLifecycle } from './run-lifecycle.service';
import { RunResults } from './run-results.service';
import { RUN_PORTS, type RunPorts } from './run-ports';

/**
 * Cancels a run wherever the request landed: a queued run is canceled in the store (the fenced
 * transition wins or loses against a claim) and its job removed; a running one is asked to stop
 * through the cancel channel, which reaches the process that runs it, and the answer waits for
 * its record to settle (up to the kill grace).
 */
@Injectable()
export class RunCancellation {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
    private readonly lifecycle: RunLifecycle,
    private readonly results: RunResults,
  ) {}

  /** Cancels a pending, queued or running run; returns the record as it is afterwards. */
  async cancel(run: Run, caller: Caller, reason: string | undefined): Promise<Run> {
    const canceledBy = caller.userId || 'unknown';
    const why = reason ?? null;
    if (run.status === 'pending_approval') {
      const settled = await this.lifecycle.settle(run, {
        status: 'canceled',
        from: ['pending_approval'],
        patch: { returnCode: null, canceledBy, cancelReason: why },
      });
      if (settled.applied) {
        await this.ports.requests.delete(run.id).catch(() => undefined);
        return settled.run;
      }
      run = settled.run;
    }
    if (run.status === 'queued') {
      const settled = await this.lifecycle.settle(run, {
        status: 'canceled',
        from: ['queued'],
        patch: { returnCode: null, canceledBy, cancelReason: why },
      });
      if (settled.applied) {
        await Promise.allSettled([
          this.ports.queue.remove(run.id),
          this.ports.nestedQueue.remove(run.id),
          this.ports.requests.delete(run.id),
        ]);
        return settled.run;
      }
      run = settled.run;
    }
    if (run.status !== 'running') {
      throw new AppError('CONFLICT', `Run ${run.id} is not active (status: ${run.status})`);
    }
    await this.ports.cancel.request({ runId: run.id, requestedBy: canceledBy, reason: why });
    return this.settledOrTimeUp(run);
  }

  /** The run once it has settled (its `done`), or as it is when the kill grace is over. */
  private async settledOrTimeUp(run: Run): Promise<Run> {
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, (this.config.killGraceSeconds + 2) * 1000);
    });
    await Promise.race([this.results.waitFor(run.id).catch(() => undefined), timeUp]);
    clearTimeout(timer);
    return (await this.lifecycle.current(run.id)) ?? run;
  }
}
