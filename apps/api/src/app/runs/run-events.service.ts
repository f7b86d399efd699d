import { Injectable } from '@nestjs/common';
import { isTerminalStatus } from '@runbooks/history';
import type { ExecuteResult } from '@runbooks/types';

import { OutputBus, type OutputLine, type RunSignal } from './output-bus';
import { RunService } from './run.service';
import { RunStoreHolder } from './run-store.provider';

/** Receives a run's events in order, each exactly once. */
export interface RunEventSink {
  output(line: OutputLine): void;
  /** The final event; `seq` is one past the last output line (its SSE id). */
  done(result: ExecuteResult, seq: number): void;
}

const REPLAY_PAGE = 1000;

/**
 * Replays a run's stored output after a given sequence number, then follows it live until `done`,
 * with no gap and no duplicate (live events are buffered while the replay catches up).
 */
@Injectable()
export class RunEventsService {
  constructor(
    private readonly holder: RunStoreHolder,
    private readonly bus: OutputBus,
    private readonly runs: RunService,
  ) {}

  /** Streams the run into `sink`; returns a function that stops following it. */
  async follow(runId: string, afterSeq: number, sink: RunEventSink): Promise<() => void> {
    const dispatch = this.runs.distributed;
    if (dispatch) {
      // Distributed: a finished run replays from the store (below, as in the embedded mode); a
      // live one follows the Redis stream, which replays, backfills gaps from the store and
      // ends with `done`, whichever worker runs it.
      const run = await this.holder.store.get(runId);
      if (run && !isTerminalStatus(run.status)) {
        let lastSeq = afterSeq;
        const subscription = dispatch.bus.subscribe(runId, afterSeq, (signal) => {
          if (signal.kind === 'output') {
            lastSeq = Math.max(lastSeq, signal.line.seq);
            sink.output(signal.line);
          } else {
            sink.done(signal.result, Math.max(lastSeq, signal.lastSeq) + 1);
          }
        });
        return () => subscription.close();
      }
    }
    let lastSeq = afterSeq;
    let replaying = true;
    let finished = false;
    const buffered: RunSignal[] = [];
    const deliver = (signal: RunSignal) => {
      if (finished) return;
      if (signal.kind === 'output') {
        if (signal.line.seq <= lastSeq) return;
        lastSeq = signal.line.seq;
        sink.output(signal.line);
      } else {
        finished = true;
        sink.done(signal.result, lastSeq + 1);
      }
    };
    const unsubscribe = this.bus.subscribe(runId, (signal) =>
      replaying ? buffered.push(signal) : deliver(signal),
    );
    const store = this.holder.store;
    for (;;) {
      const chunks = await store.readOutput(runId, lastSeq + 1, REPLAY_PAGE);
      for (const chunk of chunks) deliver({ kind: 'output', line: chunk });
      if (chunks.length < REPLAY_PAGE) break;
    }
    replaying = false;
    for (const signal of buffered.splice(0)) deliver(signal);
    if (!finished) {
      const run = await store.get(runId);
      if (run && isTerminalStatus(run.status)) {
        for (const chunk of await store.readOutput(runId, lastSeq + 1, REPLAY_PAGE))
          deliver({ kind: 'output', line: chunk });
        deliver({ kind: 'done', result: this.runs.resultFromRecord(run) });
      }
    }
    if (finished) unsubscribe();
    return unsubscribe;
  }
}
