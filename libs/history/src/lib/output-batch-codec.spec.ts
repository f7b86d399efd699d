import fc from 'fast-check';
import { decodeOutputBatch, encodeOutputBatch } from './output-batch-codec';
import { isHistoryError } from './history-error';

describe('output batches', () => {
  it('round-trips any chunks, numbered from the first sequence number', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            stream: fc.constantFrom('stdout' as const, 'stderr' as const),
            data: fc.string({ unit: 'binary', maxLength: 40 }),
          }),
          { maxLength: 20 },
        ),
        fc.integer({ min: 1, max: 1_000_000 }),
        (chunks, firstSeq) => {
          const decoded = decodeOutputBatch(firstSeq, encodeOutputBatch(chunks));
          expect(decoded).toEqual(
            chunks.map((chunk, index) => ({ seq: firstSeq + index, ...chunk })),
          );
        },
      ),
    );
  });

  it('costs a few bytes per chunk', () => {
    const lines = Array.from({ length: 1000 }, () => ({ stream: 'stdout' as const, data: 'y' }));
    expect(encodeOutputBatch(lines).length).toBe(4 * 1000);
  });

  it('refuses a damaged batch with INVALID_RUN', () => {
    let caught: unknown = null;
    try {
      decodeOutputBatch(1, 'x3:abc');
    } catch (error) {
      caught = error;
    }
    expect(isHistoryError(caught, 'INVALID_RUN')).toBe(true);
  });
});
