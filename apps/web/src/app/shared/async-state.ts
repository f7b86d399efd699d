import { signal, type Signal } from '@angular/core';
import { toApiError, type ApiError } from '../core/api/api-error';

/** A value loaded asynchronously, with loading and error signals for the template. */
export interface AsyncState<T> {
  readonly value: Signal<T | undefined>;
  readonly loading: Signal<boolean>;
  readonly error: Signal<ApiError | null>;
  /** (Re)loads; only the latest call's outcome is kept. */
  load(): Promise<void>;
  /** Replaces the value (after a mutation the server answered with). */
  set(value: T): void;
}

/** Wraps a loader function into signals. Nothing is loaded until `load()` is called. */
export function asyncState<T>(loader: () => Promise<T>): AsyncState<T> {
  const value = signal<T | undefined>(undefined);
  const loading = signal(false);
  const error = signal<ApiError | null>(null);
  let generation = 0;
  return {
    value: value.asReadonly(),
    loading: loading.asReadonly(),
    error: error.asReadonly(),
    async load() {
      const mine = ++generation;
      loading.set(true);
      error.set(null);
      try {
        const result = await loader();
        if (mine === generation) value.set(result);
      } catch (caught) {
        if (mine === generation) error.set(toApiError(caught));
      } finally {
        if (mine === generation) loading.set(false);
      }
    },
    set(next: T) {
      generation++;
      value.set(next);
      loading.set(false);
      error.set(null);
    },
  };
}
