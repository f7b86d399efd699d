import fc from 'fast-check';
import { cutAtCharBoundary, OutputLimiter } from './output-limiter';

describe('OutputLimiter', () => {
  it('keeps whole chunks while they fit, then a boundary-safe prefix, then nothing', () => {
    const limiter = new OutputLimiter(9);
    expect(limiter.take('abcd')).toBe('abcd');
    expect(limiter.isTruncated).toBe(false);
    expect(limiter.take('éééé')).toBe('éé'); // 4 + 2×2 = 8 bytes; a third é would make 10 > 9
    expect(limiter.isTruncated).toBe(true);
    expect(limiter.keptBytes).toBe(8);
    expect(limiter.take('x')).toBe('');
  });

  it('does not truncate when the output exactly fills the cap', () => {
    const limiter = new OutputLimiter(3);
    expect(limiter.take('abc')).toBe('abc');
    expect(limiter.isTruncated).toBe(false);
    expect(limiter.take('')).toBe('');
    expect(limiter.isTruncated).toBe(false);
  });

  it('keeps nothing with a zero cap', () => {
    const limiter = new OutputLimiter(0);
    expect(limiter.take('a')).toBe('');
    expect(limiter.isTruncated).toBe(true);
  });

  it('always yields a UTF-8 prefix within the cap (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 20 }),
        fc.nat(200),
        (chunks, cap) => {
          const limiter = new OutputLimiter(cap);
          const kept = chunks.map((chunk) => limiter.take(chunk)).join('');
          const all = chunks.join('');
          expect(all.startsWith(kept)).toBe(true);
          expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(cap);
          expect(limiter.isTruncated).toBe(Buffer.byteLength(all) > cap);
        },
      ),
    );
  });
});

describe('cutAtCharBoundary', () => {
  it('never splits a multi-byte character', () => {
    expect(cutAtCharBoundary('a😀b', 1)).toBe('a');
    expect(cutAtCharBoundary('a😀b', 4)).toBe('a');
    expect(cutAtCharBoundary('a😀b', 5)).toBe('a😀');
    expect(cutAtCharBoundary('abc', 10)).toBe('abc');
    expect(cutAtCharBoundary('abc', 0)).toBe('');
  });
});
