import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ScheduleInfo, ScheduleListResponse } from '@runbooks/types';
import { apiCall } from './api-call';

/** Reads `GET /api/schedules`; every failure is thrown as an ApiError. */
@Injectable({ providedIn: 'root' })
export class SchedulesApi {
  private readonly http = inject(HttpClient);

  /** The schedules of the runbooks the caller may run (admins: all). */
  async list(): Promise<ScheduleInfo[]> {
    const body = await apiCall(this.http.get<ScheduleListResponse>('/api/schedules'));
    return Array.isArray(body.data) ? body.data : [];
  }

  /** The schedule of one runbook, or null when it has none (or the caller may not see it). */
  async of(filename: string): Promise<ScheduleInfo | null> {
    return (await this.list()).find((info) => info.runbook === filename) ?? null;
  }
}
