import { HistoryError } from './history-error';
import type { OutputChunk, OutputChunkInput } from './run-store';

/**
 * Most chunks one `run_output_batches` row holds. Readers look back at most this many sequence
 * numbers for the row that holds a given chunk.
 */
export const OUTPUT_BATCH_CHUNKS = 256;

/**
 * Packs consecutive output chunks into one text: per chunk its stream (`o` stdout, `e` stderr),
 * its length in UTF-16 code units, `:` and its data. Length-prefixed, so any data (newlines,
 * colons, binary-looking text) round-trips without escaping; about 4 bytes of overhead per chunk
 * instead of a row (run id, sequence number, stream, index entry) per line.
 */
export function encodeOutputBatch(chunks: readonly OutputChunkInput[]): string {
  let text = '';
  for (const chunk of chunks) {
    text += `${chunk.stream === 'stderr' ? 'e' : 'o'}${chunk.data.length}:${chunk.data}`;
  }
  return text;
}

/** The chunks of a batch row whose first chunk has sequence number `firstSeq`. */
export function decodeOutputBatch(firstSeq: number, text: string): OutputChunk[] {
  const chunks: OutputChunk[] = [];
  let position = 0;
  while (position < text.length) {
    const colon = text.indexOf(':', position);
    const length = Number(text.slice(position + 1, colon));
    const marker = text[position];
    if (colon < 0 || !Number.isSafeInteger(length) || (marker !== 'o' && marker !== 'e')) {
      throw new HistoryError('INVALID_RUN', 'A stored output batch cannot be read.');
    }
    chunks.push({
      seq: firstSeq + chunks.length,
      stream: marker === 'e' ? 'stderr' : 'stdout',
      data: text.slice(colon + 1, colon + 1 + length),
    });
    position = colon + 1 + length;
  }
  return chunks;
}
