import fc from 'fast-check';
import { capUtf8Tail } from './cap-utf8-tail';

describe('capUtf8Tail', () => {
  it('returns short text unchanged', () => {
    expect(capUtf8Tail('hello', 5)).toBe('hello');
    expect(capUtf8Tail('', 0)).toBe('');
    expect(capUtf8Tail('ééé', 6)).toBe('ééé');
  });

  it('keeps the end, dropping a character cut in half', () => {
    expect(capUtf8Tail('abcdef', 3)).toBe('def');
    expect(capUtf8Tail('aé', 1)).toBe('');
    expect(capUtf8Tail('xé€😀', 5)).toBe('😀');
    expect(capUtf8Tail('xé€😀', 7)).toBe('€😀');
    expect(capUtf8Tail('abc', 0)).toBe('');
    expect(capUtf8Tail('abc', -4)).toBe('');
  });

  it('is always a suffix within the byte cap, and the longest such one', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.integer({ min: 0, max: 200 }),
        (text, max) => {
          const tail = capUtf8Tail(text, max);
          expect(text.endsWith(tail)).toBe(true);
          expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(max);
          const longer = [...text].slice(-([...tail].length + 1)).join('');
          if (longer.length > tail.length) expect(Buffer.byteLength(longer)).toBeGreaterThan(max);
        },
      ),
    );
  });
});
