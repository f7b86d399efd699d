import {
  Injectable,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, type Observable } from 'rxjs';

/** Errors whose JSON answer also says `"success": false` (the reference's execute errors). */
const flagged = new WeakSet<object>();

/** True when the error came from a route whose failures carry `"success": false`. */
export function carriesSuccessFlag(error: unknown): boolean {
  return typeof error === 'object' && error !== null && flagged.has(error);
}

/** Marks what a route throws, for the exception filter. */
@Injectable()
class SuccessFlagInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (typeof error === 'object' && error !== null) flagged.add(error);
        throw error;
      }),
    );
  }
}

/**
 * The reference's wire quirk, applied at the edge: every error answer of the decorated route is
 * `{"error": ..., "success": false}` (execute), where other routes answer `{"error": ...}`.
 */
export function FailuresCarrySuccessFlag(): MethodDecorator & ClassDecorator {
  return UseInterceptors(SuccessFlagInterceptor);
}
