import { HistoryError } from './history-error';

/** Position of the last row of a page: the keyset (createdAt, id). */
export interface RunCursor {
  createdAt: string;
  id: string;
}

/** Encodes a keyset position as an opaque URL-safe cursor. */
export function encodeRunCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

/** Decodes a cursor made by `encodeRunCursor`; throws INVALID_CURSOR on anything else. */
export function decodeRunCursor(text: string): RunCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw new HistoryError('INVALID_CURSOR', 'The page cursor is not valid.', { cause: error });
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string'
  ) {
    throw new HistoryError('INVALID_CURSOR', 'The page cursor is not valid.');
  }
  return { createdAt: parsed[0], id: parsed[1] };
}
