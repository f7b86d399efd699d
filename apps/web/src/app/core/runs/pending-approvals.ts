import { Injectable, effect, inject, signal } from '@angular/core';
import { RunsApi } from '../api/runs-api';
import { AuthService } from '../auth/auth.service';

/** How often the nav badge re-counts what waits for the user's approval. */
const REFRESH_MS = 15_000;

/** The number of runs waiting for an approval the signed-in user could give (the nav badge). */
@Injectable({ providedIn: 'root' })
export class PendingApprovals {
  private readonly runsApi = inject(RunsApi);
  private readonly auth = inject(AuthService);
  private timer: ReturnType<typeof setInterval> | null = null;

  /** Runs the user could approve now; 0 when unknown. */
  readonly count = signal(0);

  constructor() {
    effect(() => {
      if (this.auth.isSignedIn()) {
        void this.refresh();
        this.timer ??= setInterval(() => void this.refresh(), REFRESH_MS);
      } else {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        this.count.set(0);
      }
    });
  }

  /** Counts again now (after a decision, or on the Approvals page). */
  async refresh(): Promise<void> {
    try {
      this.count.set((await this.runsApi.approvals(100)).length);
    } catch {
      // A server without approvals, or a network error: the badge simply stays as it was.
    }
  }
}
