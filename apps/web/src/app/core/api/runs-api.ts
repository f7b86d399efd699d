import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { encodeRunListQuery, parseLabelFilter, type RunListQuery } from '@runbooks/event-stream';
import type {
  ApproveRunRequest,
  CancelRunRequest,
  RejectRunRequest,
  RunListResponse,
  RunRecord,
  RunStatus,
} from '@runbooks/types';
import { apiCall } from './api-call';

/** Filters of the runs table (all optional; empty strings mean "any"). */
export interface RunFilters {
  status?: RunStatus | '';
  runbook?: string;
  requestedBy?: string;
  /** Label filter as `key=value`. */
  label?: string;
}

/** One page of runs plus the cursor of the next page. */
export interface RunPage {
  runs: Partial<RunRecord>[];
  nextCursor: string | null;
}

/** Path of a run resource. */
export function runPath(id: string, suffix = ''): string {
  return `/api/runs/${encodeURIComponent(id)}${suffix}`;
}

/** Reads the opaque cursor out of a `links.next` URL (absolute or relative). */
export function cursorFromNextLink(next: string | null | undefined): string | null {
  if (!next) return null;
  try {
    return new URL(next, 'http://runbooks.invalid').searchParams.get('cursor');
  } catch {
    return null;
  }
}

/** Builds the `filter[...]` query of `GET /api/runs` with the encoding the API and CLI share. */
export function runListParams(
  filters: RunFilters,
  limit: number,
  cursor: string | null,
): HttpParams {
  const label = filters.label?.trim() ? parseLabelFilter(filters.label) : null;
  const query: RunListQuery = {
    ...(filters.status ? { status: [filters.status] } : {}),
    ...(filters.runbook?.trim() ? { runbook: filters.runbook.trim() } : {}),
    ...(filters.requestedBy?.trim() ? { requestedBy: filters.requestedBy.trim() } : {}),
    // The page refuses a label filter that is not key=value before it gets here.
    ...(label?.ok ? { labels: { [label.key]: label.value } } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
  };
  let params = new HttpParams();
  for (const [name, value] of encodeRunListQuery(query)) params = params.append(name, value);
  return params;
}

/** Calls the run endpoints; every failure is thrown as an ApiError. */
@Injectable({ providedIn: 'root' })
export class RunsApi {
  private readonly http = inject(HttpClient);

  /** `GET /api/runs` with filters and cursor paging, newest first. */
  async list(filters: RunFilters, limit: number, cursor: string | null = null): Promise<RunPage> {
    const body = await apiCall(
      this.http.get<RunListResponse>('/api/runs', {
        params: runListParams(filters, limit, cursor),
      }),
    );
    return {
      runs: Array.isArray(body.data) ? body.data : [],
      nextCursor: cursorFromNextLink(body.links?.next),
    };
  }

  /** `GET /api/runs/:id`. */
  get(id: string): Promise<RunRecord> {
    return apiCall(this.http.get<RunRecord>(runPath(id)));
  }

  /** `GET /api/approvals`: runs waiting for an approval the caller could give now. */
  async approvals(limit = 100): Promise<RunRecord[]> {
    const body = await apiCall(
      this.http.get<RunListResponse>('/api/approvals', { params: { limit: String(limit) } }),
    );
    return Array.isArray(body.data) ? (body.data as RunRecord[]) : [];
  }

  /** `POST /api/runs/:id/approve` → the updated record. */
  approve(id: string, comment: string): Promise<RunRecord> {
    const body: ApproveRunRequest = comment.trim() ? { comment: comment.trim() } : {};
    return apiCall(this.http.post<RunRecord>(runPath(id, '/approve'), body));
  }

  /** `POST /api/runs/:id/reject` → the updated record. */
  reject(id: string, reason: string): Promise<RunRecord> {
    const body: RejectRunRequest = { reason: reason.trim() };
    return apiCall(this.http.post<RunRecord>(runPath(id, '/reject'), body));
  }

  /** `POST /api/runs/:id/cancel` → the updated record. */
  cancel(id: string, reason: string): Promise<RunRecord> {
    const body: CancelRunRequest = reason.trim() ? { reason: reason.trim() } : {};
    return apiCall(this.http.post<RunRecord>(runPath(id, '/cancel'), body));
  }
}
