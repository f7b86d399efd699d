import type { ApiServer } from '../support/api-server';
import { runbookText } from '../support/runbook-text';
import { waitFor } from '../support/wait-for';
import { Cluster } from './cluster';
import { RunClient } from './run-client';

/** Lines a script prints as fast as zsh can: far more than the worker stores in one heartbeat. */
const LINES = 100_000;

describe('a worker busy storing a flood of output is not taken for lost', () => {
  let cluster: Cluster;
  let api: ApiServer;
  let client: RunClient;

  beforeAll(async () => {
    cluster = await Cluster.create({
      'Flood.md': runbookText({
        name: 'Flood',
        script: `for i in {1..${LINES}}; do print -r -- "line $i"; done`,
      }),
    });
    // The shortest lost detection the server accepts: a heartbeat every 1.7 s.
    const settings = { LOST_AFTER_SECONDS: '5' };
    [api] = await Promise.all([cluster.start('api', settings), cluster.start('worker', settings)]);
    client = new RunClient(api.token({ sub: 'alice' }));
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it(`stores ${LINES} lines and ends in success, keeping its heartbeat`, async () => {
    const id = await client.submit(api, 'Flood.md');
    const settled = await waitFor(
      async () => {
        const record = await client.record(api, id);
        return record.finished_at ? record : null;
      },
      { timeoutMs: 240_000, intervalMs: 500, what: `run ${id} to end` },
    );
    expect({ status: settled.status, errors: settled.errors }).toEqual({
      status: 'success',
      errors: [],
    });
  }, 300_000);
});
