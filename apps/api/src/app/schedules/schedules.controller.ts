import { Controller, Get, Inject } from '@nestjs/common';
import type { RunStore } from '@runbooks/history';
import { evaluateClaims } from '@runbooks/rbac';
import type { ScheduleInfo, ScheduleListResponse } from '@runbooks/types';

import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { RunbookCatalog, type CatalogEntry } from '../catalog/runbook-catalog.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ApiErrors, ApiJsonResult, ApiOperationDoc } from '../docs/api-docs.decorators';
import { RUN_STORE } from '../history/run-store.provider';
import { RunbookAccess } from '../runbooks/runbook-access.service';
import { cronOf } from './fire-plan';
import { schedulerCaller } from './scheduler-caller';
import { hasScheduleSection, scheduleStatusOf } from './schedule-status';

/** The schedules of the runbooks the caller may run (admins: all), with how their fires went. */
@Controller('api/schedules')
export class SchedulesController {
  private readonly scheduler: Caller;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_STORE) private readonly store: RunStore,
    private readonly catalog: RunbookCatalog,
    private readonly access: RunbookAccess,
  ) {
    this.scheduler = schedulerCaller(config.scheduler);
  }

  @ApiOperationDoc({
    tag: 'Schedules',
    operationId: 'listSchedules',
    summary: 'List schedules',
    description:
      "Every runbook with a `# Schedule` section whose Required Claims the caller satisfies (admins see all): cron, time zone, next and last fire, the last fire's run and status, whether the scheduler's claims are authorized, and why a schedule does not fire (`error`).",
  })
  @ApiJsonResult(200, 'ScheduleListResponse', 'The schedules, by runbook file name')
  @ApiErrors(401, 429)
  @Get()
  async list(@CurrentCaller() caller: Caller): Promise<ScheduleListResponse> {
    const isAdmin = evaluateClaims(this.config.adminRequiredClaims, caller.claims).allowed;
    const entries = (await this.catalog.list())
      .filter(hasScheduleSection)
      .filter((entry) => isAdmin || this.access.canRun(entry, caller));
    return { data: await Promise.all(entries.map((entry) => this.infoOf(entry))) };
  }

  private async infoOf(entry: CatalogEntry): Promise<ScheduleInfo> {
    const { schedule, error } = scheduleStatusOf(entry);
    const [last] = await this.store.listFires(entry.filename, { limit: 1 });
    const next = schedule?.enabled ? cronOf(schedule).nextRun(new Date()) : null;
    return {
      runbook: entry.filename,
      cron: schedule?.cron ?? null,
      timezone: schedule?.timezone ?? null,
      enabled: schedule?.enabled ?? false,
      next_fire_at: next ? next.toISOString() : null,
      last_fire_at: last?.scheduledFor ?? null,
      last_run_id: last?.id ?? null,
      last_status: last?.status ?? null,
      authorized: this.access.canRun(entry, this.scheduler),
      error,
    };
  }
}
