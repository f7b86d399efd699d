import type { RunAccepted, RunListResponse, RunRecord } from '@runbooks/types';

import type { ApiServer } from '../support/api-server';
import { call } from '../support/http-client';
import { waitFor } from '../support/wait-for';

/** What the distributed tests do with runs, on any server of a cluster, with one token. */
export class RunClient {
  constructor(private readonly token: string) {}

  /** Submits a run asynchronously (`Prefer: respond-async`); expects 202 and returns its id. */
  async submit(
    server: ApiServer,
    runbook: string,
    envVars: Record<string, string> = {},
  ): Promise<string> {
    const response = await call<RunAccepted>(server, `/api/runbooks/${runbook}/execute`, {
      method: 'POST',
      token: this.token,
      headers: { Prefer: 'respond-async' },
      json: { env_vars: envVars },
    });
    expect(response.status).toBe(202);
    return response.body.run_id;
  }

  /** The run's record. */
  async record(server: ApiServer, id: string): Promise<RunRecord> {
    return (await call<RunRecord>(server, `/api/runs/${id}`, { token: this.token })).body;
  }

  /** Waits until the run has `status`; returns its record then. */
  statusBecomes(
    server: ApiServer,
    id: string,
    status: string,
    timeoutMs: number,
  ): Promise<RunRecord> {
    return waitFor(
      async () => {
        const current = await this.record(server, id);
        return current.status === status ? current : null;
      },
      { timeoutMs, intervalMs: 250, what: `run ${id} to become ${status}` },
    );
  }

  /** Waits until no run of `runbook` is queued or running. */
  async noneActive(server: ApiServer, runbook: string, timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        const page = await call<RunListResponse>(
          server,
          `/api/runs?filter[runbook]=${runbook}&filter[status]=queued,running&limit=1`,
          { token: this.token },
        );
        return page.status === 200 && page.body.data.length === 0;
      },
      { timeoutMs, intervalMs: 500, what: `every run of ${runbook} to finish` },
    );
  }
}
