import { Injectable, computed, inject, signal } from '@angular/core';
import type { ApiInfo } from '@runbooks/types';
import type { ApiError } from './api/api-error';
import { toApiError } from './api/api-error';
import { SystemApi } from './api/system-api';

/** Default title when the server does not say otherwise. */
export const DEFAULT_TITLE = 'Runbooks';

/** What the public `GET /api/info` says about the server (loaded once, retried on demand). */
@Injectable({ providedIn: 'root' })
export class ServerInfo {
  private readonly api = inject(SystemApi);
  private pending: Promise<void> | null = null;

  /** The server's answer, once known. */
  readonly info = signal<ApiInfo | null>(null);
  /** Why the last load failed. */
  readonly error = signal<ApiError | null>(null);
  /** Header text for the toolbar and page titles. */
  readonly title = computed(() => this.info()?.ui_header?.trim() || DEFAULT_TITLE);

  /** Loads the info unless it is already known or loading. */
  ensureLoaded(): Promise<void> {
    if (this.info()) return Promise.resolve();
    this.pending ??= this.api
      .info()
      .then((info) => {
        this.info.set(info);
        this.error.set(null);
      })
      .catch((error: unknown) => this.error.set(toApiError(error)))
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
