import type { Kysely } from 'kysely';
import { HistoryError } from './history-error';
import { decodeOutputBatch, encodeOutputBatch, OUTPUT_BATCH_CHUNKS } from './output-batch-codec';
import type { AppendOutputOptions, OutputChunk, OutputChunkInput } from './run-store';
import type { RunDatabase } from './run-store-schema';

/** Rows per INSERT statement (keeps every statement under the dialects' parameter limits). */
export const INSERT_BATCH_ROWS = 200;

/**
 * Stores a run's output chunks numbered after its last one (see `RunStore.appendOutput`). Chunks
 * are stored packed, up to `OUTPUT_BATCH_CHUNKS` per row of `run_output_batches`, so a run's
 * output costs about its own size, not a row per line. The record's tails are not rewritten
 * here: readers of an unfinished run get them from these rows (`readOutputTails`).
 */
export async function appendRunOutput(
  db: Kysely<RunDatabase>,
  id: string,
  chunks: readonly OutputChunkInput[],
  options: AppendOutputOptions,
  tail: { now: () => Date },
): Promise<OutputChunk[]> {
  for (const chunk of chunks) {
    if (
      (chunk.stream !== 'stdout' && chunk.stream !== 'stderr') ||
      typeof chunk.data !== 'string'
    ) {
      throw new HistoryError(
        'INVALID_RUN',
        'An output chunk needs stream stdout|stderr and string data.',
      );
    }
  }
  const kept = chunks.filter((chunk) => chunk.data.length > 0);
  if (kept.length === 0) return [];
  const { attempt } = options;
  return db.transaction().execute(async (trx) => {
    // Write first: the row lock (SQLite: the write lock) is taken before anything is read.
    const head = await trx
      .updateTable('runs')
      .set((eb) => ({
        output_seq: eb('output_seq', '+', kept.length),
        updated_at: tail.now().toISOString(),
      }))
      .where('id', '=', id)
      .$if(attempt !== undefined, (qb) => qb.where('attempt', '=', attempt ?? 0))
      .returning(['output_seq'])
      .executeTakeFirst();
    if (!head) {
      const exists = await trx
        .selectFrom('runs')
        .select('attempt')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!exists) throw new HistoryError('RUN_NOT_FOUND', `No run with id ${id}.`);
      throw new HistoryError(
        'STALE_ATTEMPT',
        `Run ${id} is at attempt ${exists.attempt}, not ${attempt}.`,
      );
    }
    const firstSeq = head.output_seq - kept.length + 1;
    const stored = kept.map((chunk, index) => ({
      seq: firstSeq + index,
      stream: chunk.stream,
      data: chunk.data,
    }));
    const rows = [];
    for (let start = 0; start < kept.length; start += OUTPUT_BATCH_CHUNKS) {
      const batch = kept.slice(start, start + OUTPUT_BATCH_CHUNKS);
      rows.push({
        run_id: id,
        first_seq: firstSeq + start,
        last_seq: firstSeq + start + batch.length - 1,
        chunks: encodeOutputBatch(batch),
      });
    }
    for (let start = 0; start < rows.length; start += INSERT_BATCH_ROWS) {
      await trx
        .insertInto('run_output_batches')
        .values(rows.slice(start, start + INSERT_BATCH_ROWS))
        .execute();
    }
    return stored;
  });
}

/**
 * A run's chunks with `seq >= fromSeq`, in order, at most `limit` (see `RunStore.readOutput`).
 * Sequence numbers have no gaps, so the answer is the chunks `fromSeq … fromSeq + limit - 1`:
 * an index range of the batch rows (plus rows of `run_output`, where runs stored before
 * migration 0003 keep one row per chunk).
 */
export async function readRunOutput(
  db: Kysely<RunDatabase>,
  id: string,
  fromSeq: number,
  limit: number,
): Promise<OutputChunk[]> {
  const from = Math.max(1, Math.floor(fromSeq));
  const count = Math.min(Math.max(Math.floor(limit), 1), 10_000);
  const [batches, legacy] = await Promise.all([
    db
      .selectFrom('run_output_batches')
      .select(['first_seq', 'chunks'])
      .where('run_id', '=', id)
      .where('first_seq', '>', from - OUTPUT_BATCH_CHUNKS)
      .where('first_seq', '<', from + count)
      .where('last_seq', '>=', from)
      .orderBy('first_seq')
      .execute(),
    db
      .selectFrom('run_output')
      .select(['seq', 'stream', 'data'])
      .where('run_id', '=', id)
      .where('seq', '>=', from)
      .orderBy('seq')
      .limit(count)
      .execute(),
  ]);
  const chunks: OutputChunk[] = legacy.map((row) => ({
    seq: row.seq,
    stream: row.stream === 'stderr' ? 'stderr' : 'stdout',
    data: row.data,
  }));
  for (const row of batches) {
    for (const chunk of decodeOutputBatch(row.first_seq, row.chunks)) {
      if (chunk.seq >= from && chunk.seq < from + count) chunks.push(chunk);
    }
  }
  if (legacy.length > 0 && batches.length > 0) chunks.sort((a, b) => a.seq - b.seq);
  return chunks.slice(0, count);
}
