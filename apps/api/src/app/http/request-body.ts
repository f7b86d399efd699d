import { AppError } from '../errors/app-error';
import { escapeControlChars } from '../logging/escape-control-chars';

/** Names no environment can hold (empty, `=`, control characters, absurdly long): refused at once. */
function isUnrepresentableEnvName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name === '' || name.length > 256 || /[=\u0000-\u001f\u007f]/.test(name);
}

function asRecord(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError('BAD_REQUEST', `${field} must be an object mapping names to values`);
  }
  return value as Record<string, unknown>;
}

function asText(value: unknown, field: string, key: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new AppError('BAD_REQUEST', `${field}.${key} must be a string`);
}

/**
 * Reads `env_vars` from a request body: strings kept, numbers/booleans stringified, null → ''.
 * A name no environment can hold is a 400 with the executor's refusal text (other invalid names,
 * such as `BAD-NAME`, are refused by the executor as a failed run).
 */
export function readEnvVars(body: unknown): Record<string, string> {
  const record = asRecord(body, 'body');
  const vars = asRecord(record['env_vars'], 'env_vars');
  const unrepresentable = Object.keys(vars).find(isUnrepresentableEnvName);
  if (unrepresentable !== undefined) {
    throw new AppError(
      'BAD_REQUEST',
      `ERROR: Invalid environment variable name: ${escapeControlChars(unrepresentable)}`,
    );
  }
  return Object.fromEntries(
    Object.entries(vars).map(([key, value]) => [key, asText(value, 'env_vars', key)]),
  );
}

/** Reads optional run `labels` (string → string, at most 32, keys up to 64 characters). */
export function readLabels(body: unknown): Record<string, string> {
  const labels = asRecord(asRecord(body, 'body')['labels'], 'labels');
  const entries = Object.entries(labels);
  if (entries.length > 32) throw new AppError('BAD_REQUEST', 'At most 32 labels are allowed');
  return Object.fromEntries(
    entries.map(([key, value]) => {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key)) {
        throw new AppError('BAD_REQUEST', `Invalid label name: ${JSON.stringify(key)}`);
      }
      return [key, asText(value, 'labels', key).slice(0, 256)];
    }),
  );
}
