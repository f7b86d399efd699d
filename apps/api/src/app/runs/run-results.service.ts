import { Inject, Injectable } from '@nestjs/common';
import type { OutputSubscription } from '@runbooks/dispatch';
import { isTerminalStatus, type RunStore } from '@runbooks/history';
import type { ExecuteResult } from '@runbooks/types';

import { executeResultOf } from './run-results';
import { RUN_PORTS, type RunPorts } from './run-ports';
import { RUN_STORE } from '../history/run-store.provider';

/** Waits for the result of a run, whichever process runs it: its `done` on the bus. */
@Injectable()
export class RunResults {
  constructor(
    @Inject(RUN_STORE) private readonly store: RunStore,
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
  ) {}

  /** Resolves with the run's `done` result once it has settled. */
  waitFor(runId: string): Promise<ExecuteResult> {
    return new Promise<ExecuteResult>((resolve, reject) => {
      let settled = false;
      // The bus may deliver a replayed `done` while `subscribe` is still running.
      let subscription: OutputSubscription | null = null;
      const settle = (result: ExecuteResult) => {
        if (settled) return;
        settled = true;
        resolve(result);
        subscription?.close();
      };
      // Only `done` matters here: start after any seq so no line is replayed.
      subscription = this.ports.bus.subscribe(runId, Number.MAX_SAFE_INTEGER, (signal) => {
        if (signal.kind === 'done') settle(signal.result);
      });
      if (settled) subscription.close();
      // A run that settled before the subscription (and whose stream is gone) is in the store;
      // a replayed `done` (whole output, not the record's tails) still wins if it is there.
      this.store
        .get(runId)
        .then((run) => {
          if (run && isTerminalStatus(run.status)) setImmediate(() => settle(executeResultOf(run)));
        })
        .catch((error: unknown) => {
          if (settled) return;
          settled = true;
          subscription?.close();
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  }
}
