import { AppError } from '../errors/app-error';

function asRecord(
  value: unknown,
  field: string,
  withSuccessFlag: boolean,
): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError(
      'BAD_REQUEST',
      `${field} must be an object mapping names to values`,
      withSuccessFlag,
    );
  }
  return value as Record<string, unknown>;
}

function asText(value: unknown, field: string, key: string, withSuccessFlag: boolean): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new AppError('BAD_REQUEST', `${field}.${key} must be a string`, withSuccessFlag);
}

/** Reads `env_vars` from a request body: strings kept, numbers/booleans stringified, null → ''. */
export function readEnvVars(body: unknown, withSuccessFlag = false): Record<string, string> {
  const record = asRecord(body, 'body', withSuccessFlag);
  const vars = asRecord(record['env_vars'], 'env_vars', withSuccessFlag);
  return Object.fromEntries(
    Object.entries(vars).map(([key, value]) => [
      key,
      asText(value, 'env_vars', key, withSuccessFlag),
    ]),
  );
}

/** Reads optional run `labels` (string → string, at most 32, keys up to 64 characters). */
export function readLabels(body: unknown, withSuccessFlag = false): Record<string, string> {
  const labels = asRecord(
    asRecord(body, 'body', withSuccessFlag)['labels'],
    'labels',
    withSuccessFlag,
  );
  const entries = Object.entries(labels);
  if (entries.length > 32)
    throw new AppError('BAD_REQUEST', 'At most 32 labels are allowed', withSuccessFlag);
  return Object.fromEntries(
    entries.map(([key, value]) => {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key)) {
        throw new AppError(
          'BAD_REQUEST',
          `Invalid label name: ${JSON.stringify(key)}`,
          withSuccessFlag,
        );
      }
      return [key, asText(value, 'labels', key, withSuccessFlag).slice(0, 256)];
    }),
  );
}
