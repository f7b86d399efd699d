import type { Kysely } from 'kysely';
import { capUtf8Tail } from './cap-utf8-tail';
import { HistoryError } from './history-error';
import type { AppendOutputOptions, OutputChunk, OutputChunkInput } from './run-store';
import type { RunDatabase } from './run-store-schema';

/** Rows per INSERT statement (keeps every statement under the dialects' parameter limits). */
export const INSERT_BATCH_ROWS = 200;

/**
 * Stores a run's output chunks numbered after its last one and updates the record's capped tails
 * (see `RunStore.appendOutput`).
 */
export async function appendRunOutput(
  db: Kysely<RunDatabase>,
  id: string,
  chunks: readonly OutputChunkInput[],
  options: AppendOutputOptions,
  tail: { tailBytes: number; now: () => Date },
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
      .set((eb) => ({ output_seq: eb('output_seq', '+', kept.length) }))
      .where('id', '=', id)
      .$if(attempt !== undefined, (qb) => qb.where('attempt', '=', attempt ?? 0))
      .returning(['output_seq', 'stdout', 'stderr'])
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
    for (let start = 0; start < stored.length; start += INSERT_BATCH_ROWS) {
      await trx
        .insertInto('run_output')
        .values(
          stored.slice(start, start + INSERT_BATCH_ROWS).map((chunk) => ({ run_id: id, ...chunk })),
        )
        .execute();
    }
    const stdout = joinStream(kept, 'stdout');
    const stderr = joinStream(kept, 'stderr');
    await trx
      .updateTable('runs')
      .set({
        stdout: stdout === '' ? head.stdout : capUtf8Tail(head.stdout + stdout, tail.tailBytes),
        stderr: stderr === '' ? head.stderr : capUtf8Tail(head.stderr + stderr, tail.tailBytes),
        updated_at: tail.now().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return stored;
  });
}

/** A run's chunks with `seq >= fromSeq`, in order (see `RunStore.readOutput`). */
export async function readRunOutput(
  db: Kysely<RunDatabase>,
  id: string,
  fromSeq: number,
  limit: number,
): Promise<OutputChunk[]> {
  const rows = await db
    .selectFrom('run_output')
    .select(['seq', 'stream', 'data'])
    .where('run_id', '=', id)
    .where('seq', '>=', Math.max(1, Math.floor(fromSeq)))
    .orderBy('seq')
    .limit(Math.min(Math.max(Math.floor(limit), 1), 10_000))
    .execute();
  return rows.map((row) => ({
    seq: row.seq,
    stream: row.stream === 'stderr' ? 'stderr' : 'stdout',
    data: row.data,
  }));
}

function joinStream(
  chunks: readonly OutputChunkInput[],
  stream: OutputChunkInput['stream'],
): string {
  let text = '';
  for (const chunk of chunks) if (chunk.stream === stream) text += chunk.data;
  return text;
}
