import fc from 'fast-check';
import { NewlineNormalizer } from './newline-normalizer';

function normalizeInChunks(chunks: string[]): string {
  const normalizer = new NewlineNormalizer();
  return chunks.map((chunk) => normalizer.push(chunk)).join('');
}

describe('NewlineNormalizer', () => {
  it('turns \\r\\n and lone \\r into \\n', () => {
    expect(normalizeInChunks(['a\r\nb\rc\n\r\r\n'])).toBe('a\nb\nc\n\n\n');
  });

  it('handles a \\r\\n split across chunks as one newline, without holding the \\r back', () => {
    const normalizer = new NewlineNormalizer();
    expect(normalizer.push('a\r')).toBe('a\n');
    expect(normalizer.push('\nb')).toBe('b');
    expect(normalizer.push('')).toBe('');
    expect(normalizer.push('\n')).toBe('\n');
  });

  it('gives the same text however the input is chunked (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'é', '\r', '\n', '\r\n', 'x y'), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (pieces, cuts) => {
          const text = pieces.join('');
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let last = 0;
          for (const point of points) {
            chunks.push(text.slice(last, point));
            last = point;
          }
          chunks.push(text.slice(last));
          expect(normalizeInChunks(chunks)).toBe(text.replace(/\r\n?/g, '\n'));
        },
      ),
    );
  });
});
