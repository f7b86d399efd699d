import { isHistoryError } from './history-error';
import { decodeRunCursor, encodeRunCursor } from './run-cursor';

describe('run cursors', () => {
  it('round-trips a keyset position through an opaque URL-safe string', () => {
    const cursor = { createdAt: '2026-03-01T12:00:00.000Z', id: 'run/ü?&=' };
    const text = encodeRunCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRunCursor(text)).toEqual(cursor);
  });

  it.each([
    '',
    '!!!',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["a"]').toString('base64url'),
  ])('rejects %p with INVALID_CURSOR', (text) => {
    let caught: unknown = null;
    try {
      decodeRunCursor(text);
    } catch (error) {
      caught = error;
    }
    expect(isHistoryError(caught, 'INVALID_CURSOR')).toBe(true);
  });
});
