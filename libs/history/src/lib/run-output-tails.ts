import type { Kysely } from 'kysely';
import { capUtf8Tail } from './cap-utf8-tail';
import { decodeOutputBatch } from './output-batch-codec';
import type { OutputChunk } from './run-store';
import type { RunDatabase } from './run-store-schema';

/** Most batch rows (and legacy chunk rows / 256) read back to find a running run's tails. */
const TAIL_SCAN_ROWS = 64;

/** The end of each stream of a run's stored output, each at most `tailBytes` UTF-8 bytes. */
export interface OutputTails {
  stdout: string;
  stderr: string;
}

/**
 * A run's tails read from its newest output rows (newest first, until both streams are full or
 * `TAIL_SCAN_ROWS` rows were read: a stream silent for longer than that shows what those rows
 * hold). The store keeps tails on the record only once a run is final, so appending output never
 * rewrites them (on PostgreSQL every rewrite of a 64 KiB value left a dead copy behind).
 */
export async function readOutputTails(
  db: Kysely<RunDatabase>,
  id: string,
  tailBytes: number,
): Promise<OutputTails> {
  const [batches, legacy] = await Promise.all([
    db
      .selectFrom('run_output_batches')
      .select(['first_seq', 'chunks'])
      .where('run_id', '=', id)
      .orderBy('first_seq', 'desc')
      .limit(TAIL_SCAN_ROWS)
      .execute(),
    db
      .selectFrom('run_output')
      .select(['seq', 'stream', 'data'])
      .where('run_id', '=', id)
      .orderBy('seq', 'desc')
      .limit(TAIL_SCAN_ROWS * 256)
      .execute(),
  ]);
  const newestFirst: OutputChunk[] = [];
  for (const row of batches)
    newestFirst.push(...decodeOutputBatch(row.first_seq, row.chunks).reverse());
  for (const row of legacy) {
    newestFirst.push({
      seq: row.seq,
      stream: row.stream === 'stderr' ? 'stderr' : 'stdout',
      data: row.data,
    });
  }
  if (batches.length > 0 && legacy.length > 0) newestFirst.sort((a, b) => b.seq - a.seq);
  const parts = { stdout: [] as string[], stderr: [] as string[] };
  const bytes = { stdout: 0, stderr: 0 };
  for (const chunk of newestFirst) {
    if (bytes[chunk.stream] >= tailBytes) {
      if (bytes.stdout >= tailBytes && bytes.stderr >= tailBytes) break;
      continue;
    }
    parts[chunk.stream].push(chunk.data);
    bytes[chunk.stream] += Buffer.byteLength(chunk.data, 'utf8');
  }
  return {
    stdout: capUtf8Tail(parts.stdout.reverse().join(''), tailBytes),
    stderr: capUtf8Tail(parts.stderr.reverse().join(''), tailBytes),
  };
}
