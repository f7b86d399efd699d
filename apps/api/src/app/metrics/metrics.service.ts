import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';

import { SERVER_VERSION } from '../config/server-version';

/** Buckets for HTTP latency (seconds). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets for run duration (seconds): scripts run from milliseconds to many minutes. */
const RUN_BUCKETS = [0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600];
/** Seconds from request to decision: seconds (tests) up to the 7-day maximum wait. */
const APPROVAL_BUCKETS = [1, 10, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400];

function counter<T extends string>(
  name: string,
  help: string,
  labelNames: readonly T[],
): Counter<T> {
  return (
    (register.getSingleMetric(name) as Counter<T> | undefined) ??
    new Counter({ name, help, labelNames })
  );
}
function histogram<T extends string>(
  name: string,
  help: string,
  labelNames: readonly T[],
  buckets: number[],
): Histogram<T> {
  return (
    (register.getSingleMetric(name) as Histogram<T> | undefined) ??
    new Histogram({ name, help, labelNames, buckets })
  );
}
function gauge<T extends string>(name: string, help: string, labelNames: readonly T[]): Gauge<T> {
  return (
    (register.getSingleMetric(name) as Gauge<T> | undefined) ??
    new Gauge({ name, help, labelNames })
  );
}

/** Buckets of the fire-to-start lag of scheduled runs (seconds). */
const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

/** Every metric the server exports next to the default process metrics. */
@Injectable()
export class MetricsService {
  readonly httpRequests = counter(
    'http_requests_total',
    'HTTP requests by method, route and status',
    ['method', 'route', 'status'],
  );
  readonly httpDuration = histogram(
    'http_request_duration_seconds',
    'HTTP request duration',
    ['method', 'route', 'status'],
    HTTP_BUCKETS,
  );
  readonly runs = counter('runbook_runs_total', 'Finished runs by runbook and status', [
    'runbook',
    'status',
  ]);
  readonly runDuration = histogram(
    'runbook_run_duration_seconds',
    'Run duration from start to finish',
    ['runbook', 'status'],
    RUN_BUCKETS,
  );
  readonly activeRuns = gauge('runbook_active_runs', 'Runs currently executing', []);
  readonly queuedRuns = gauge('runbook_queued_runs', 'Runs waiting for a free slot', []);
  readonly retries = counter(
    'runbook_run_retries_total',
    'Distributed mode: lost runs queued again under their Retry Policy',
    ['runbook'],
  );
  readonly approvalRequests = counter(
    'runbook_approval_requests_total',
    'Runs recorded pending approval (runbooks with an Approval section)',
    ['runbook'],
  );
  readonly approvalDecisions = counter(
    'runbook_approval_decisions_total',
    'Ends of approval requests by outcome: approved, rejected, expired, canceled',
    ['runbook', 'outcome'],
  );
  readonly approvalWait = histogram(
    'runbook_approval_decision_seconds',
    'Time from a run being requested to its approval decision, by outcome',
    ['runbook', 'outcome'],
    APPROVAL_BUCKETS,
  );
  readonly concurrencyWaiting = gauge(
    'runbook_concurrency_waiting_runs',
    'Queued runs waiting for a Concurrency limit or lock, by runbook',
    ['runbook'],
  );
  readonly concurrencyWait = histogram(
    'runbook_concurrency_wait_seconds',
    'Time from request to start of runs with a Concurrency section',
    ['runbook'],
    RUN_BUCKETS,
  );
  readonly concurrencyRefusals = counter(
    'runbook_concurrency_refusals_total',
    'Runs refused (skipped) by a Concurrency section: reason reject, queue_full or nested_lock',
    ['runbook', 'reason'],
  );
  readonly rbacDenials = counter('runbook_rbac_denials_total', 'Requests refused by RBAC', [
    'runbook',
    'operation',
  ]);
  readonly rateLimitHits = counter('runbook_rate_limit_hits_total', 'Requests refused with 429', [
    'route',
  ]);
  readonly sseClientsDropped = counter(
    'runbook_sse_clients_dropped_total',
    'Event-stream clients dropped for not reading: reason backlog (too much unread) or idle',
    ['reason'],
  );
  readonly reconcilerLeader = gauge(
    'runbook_reconciler_leader',
    'Distributed mode: 1 while this process is the reconciler leader, else 0',
    [],
  );
  readonly sandboxEnabled = gauge(
    'runbook_sandbox_enabled',
    '1 when scripts run under their own uid (the sandbox), 0 when they run as the server user',
    [],
  );
  readonly scheduleFires = counter(
    'runbook_schedule_fires_total',
    'Schedule fires recorded by this process, by outcome: started, skipped (overlap), missed (recorded as skipped), denied (RBAC) or failed',
    ['runbook', 'outcome'],
  );
  readonly scheduleLag = histogram(
    'runbook_schedule_lag_seconds',
    'Scheduled runs: seconds from the fire time to the run start',
    ['runbook'],
    LAG_BUCKETS,
  );
  readonly schedulesInError = gauge(
    'runbook_schedules_in_error',
    'Schedules that cannot fire: an invalid Schedule section or unreadable Required Claims',
    [],
  );
  readonly scheduleNextFire = gauge(
    'runbook_schedule_next_fire_timestamp_seconds',
    'Per schedule: the next fire time this scheduler has not handled yet (in the past = late)',
    ['runbook'],
  );
  readonly info = gauge('runbook_api_info', 'Constant 1, labelled with the server version', [
    'version',
  ]);

  constructor() {
    this.info.set({ version: SERVER_VERSION }, 1);
    // Both reasons exist from the start, so a dashboard sees 0 rather than no series.
    for (const reason of ['backlog', 'idle']) this.sseClientsDropped.inc({ reason }, 0);
  }
}
