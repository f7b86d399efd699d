import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { RunStore } from '@runbooks/history';

import { RUN_STORE } from '../history/run-store.provider';
import { RunApprovals } from './run-approvals.service';

/** How often pending runs are checked for expiry: a request ends within about this of `expires_at`. */
const CHECK_EVERY_MS = 1000;
/** Most pending runs read per check. */
const PAGE = 1000;

/**
 * Ends requests not decided in time (`expired`), in both modes and on every instance: each
 * expiry is a fenced move, so when several instances check at once exactly one applies, and
 * whichever instance is up does it.
 */
@Injectable()
export class ApprovalExpiry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Approvals');
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(RUN_STORE) private readonly store: RunStore,
    private readonly approvals: RunApprovals,
  ) {}

  onApplicationBootstrap(): void {
    const loop = () => {
      if (this.stopped) return;
      this.checking = this.check()
        .catch((error: unknown) => this.logger.warn(`Expiry check failed: ${String(error)}`))
        .finally(() => {
          this.checking = null;
          if (!this.stopped) this.timer = setTimeout(loop, CHECK_EVERY_MS);
        });
    };
    this.timer = setTimeout(loop, CHECK_EVERY_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.checking;
  }

  /** Expires every pending run past its `expires_at`. */
  async check(now = Date.now()): Promise<void> {
    const pending = await this.store.listByStatus(['pending_approval'], { limit: PAGE });
    for (const run of pending) {
      if (run.approval === null || Date.parse(run.approval.expires_at) > now) continue;
      await this.approvals.expire({ ...run, approval: run.approval });
    }
  }
}
