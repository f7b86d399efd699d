import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ApiInfo, ConfigResponse, DevLoginRequest, DevLoginResponse } from '@runbooks/types';
import { firstValueFrom } from 'rxjs';
import { apiCall } from './api-call';
import { toApiError } from './api-error';

/** State of one health indicator (terminus reports `up`/`down` plus details). */
export interface HealthIndicator {
  status: string;
  [detail: string]: unknown;
}

/** A `/health/*` answer (terminus shape; 503 bodies are read too). */
export interface HealthReport {
  status: string;
  info?: Record<string, HealthIndicator> | null;
  error?: Record<string, HealthIndicator> | null;
  details?: Record<string, HealthIndicator> | null;
}

function isHealthReport(body: unknown): body is HealthReport {
  return !!body && typeof body === 'object' && typeof (body as HealthReport).status === 'string';
}

/** Calls the public and admin endpoints: info, dev-login, config, health. */
@Injectable({ providedIn: 'root' })
export class SystemApi {
  private readonly http = inject(HttpClient);

  /** `GET /api/info` (public): name, version, header text, whether dev-login is offered. */
  info(): Promise<ApiInfo> {
    return apiCall(this.http.get<ApiInfo>('/api/info'));
  }

  /** `POST /dev-login` (only when the server enables it). */
  devLogin(request: DevLoginRequest): Promise<DevLoginResponse> {
    return apiCall(this.http.post<DevLoginResponse>('/dev-login', request));
  }

  /** `GET /api/runbooks` with an explicit token: proves a pasted token works before keeping it. */
  async checkToken(token: string): Promise<void> {
    await apiCall(
      this.http.get('/api/runbooks', { headers: { Authorization: `Bearer ${token}` } }),
    );
  }

  /** `GET /api/config` (admin): configuration items and the caller's token. */
  config(): Promise<ConfigResponse> {
    return apiCall(this.http.get<ConfigResponse>('/api/config'));
  }

  /** `GET /health/live` or `/health/ready`; a 503 with a terminus body is a report, not an error. */
  async health(kind: 'live' | 'ready'): Promise<HealthReport> {
    try {
      return await firstValueFrom(this.http.get<HealthReport>(`/health/${kind}`));
    } catch (error) {
      if (error instanceof HttpErrorResponse && isHealthReport(error.error)) return error.error;
      throw toApiError(error);
    }
  }
}
