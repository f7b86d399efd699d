import { firstValueFrom, type Observable } from 'rxjs';
import { toApiError } from './api-error';

/** Awaits a one-shot HttpClient call, turning any failure into an ApiError. */
export async function apiCall<T>(request: Observable<T>): Promise<T> {
  try {
    return await firstValueFrom(request);
  } catch (error) {
    throw toApiError(error);
  }
}
