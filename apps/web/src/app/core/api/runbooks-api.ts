import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  ExecuteRequest,
  ExecuteResult,
  RequiredEnvResponse,
  RunAccepted,
  RunbookContentResponse,
  RunbookListItem,
  RunbookListResponse,
  ValidateResponse,
} from '@runbooks/types';
import { firstValueFrom } from 'rxjs';
import { apiCall } from './api-call';
import { ApiError, toApiError } from './api-error';

/** Path of a runbook resource; the filename is one URL segment. */
export function runbookPath(filename: string, suffix = ''): string {
  return `/api/runbooks/${encodeURIComponent(filename)}${suffix}`;
}

function isValidateResponse(body: unknown): body is ValidateResponse {
  return (
    !!body &&
    typeof body === 'object' &&
    Array.isArray((body as ValidateResponse).errors) &&
    Array.isArray((body as ValidateResponse).warnings)
  );
}

/** Calls the runbook endpoints; every failure is thrown as an ApiError. */
@Injectable({ providedIn: 'root' })
export class RunbooksApi {
  private readonly http = inject(HttpClient);

  /** `GET /api/runbooks`. */
  async list(): Promise<RunbookListItem[]> {
    const body = await apiCall(this.http.get<RunbookListResponse>('/api/runbooks'));
    return Array.isArray(body.runbooks) ? body.runbooks : [];
  }

  /** `GET /api/runbooks/:filename` (raw markdown including History). */
  get(filename: string): Promise<RunbookContentResponse> {
    return apiCall(this.http.get<RunbookContentResponse>(runbookPath(filename)));
  }

  /** `GET /api/runbooks/:filename/required-env`. */
  requiredEnv(filename: string): Promise<RequiredEnvResponse> {
    return apiCall(this.http.get<RequiredEnvResponse>(runbookPath(filename, '/required-env')));
  }

  /**
   * `PATCH /api/runbooks/:filename/validate`. An invalid runbook (400 with a result body) is a
   * result, not an error.
   */
  async validate(filename: string, envVars: Record<string, string>): Promise<ValidateResponse> {
    try {
      return await firstValueFrom(
        this.http.patch<ValidateResponse>(runbookPath(filename, '/validate'), {
          env_vars: envVars,
        }),
      );
    } catch (error) {
      if (
        error instanceof HttpErrorResponse &&
        error.status === 400 &&
        isValidateResponse(error.error)
      ) {
        return error.error;
      }
      throw toApiError(error);
    }
  }

  /**
   * Starts a run without waiting for it (`Prefer: respond-async` → 202 + RunAccepted) and
   * returns its id. A server that answers synchronously still gives a run id in its result.
   */
  async start(filename: string, request: ExecuteRequest): Promise<string> {
    const response = await apiCall(
      this.http.post<RunAccepted | ExecuteResult>(runbookPath(filename, '/execute'), request, {
        headers: { Prefer: 'respond-async', Accept: 'application/json' },
        observe: 'response',
      }),
    );
    const body = response.body;
    const runId =
      (body && 'run_id' in body && typeof body.run_id === 'string' ? body.run_id : null) ??
      response.headers.get('X-Run-Id') ??
      response.headers.get('Location')?.split('/').pop() ??
      null;
    if (!runId) {
      throw new ApiError(
        'unknown',
        response.status,
        'The server started no run (no run id in its answer).',
      );
    }
    return runId;
  }
}
