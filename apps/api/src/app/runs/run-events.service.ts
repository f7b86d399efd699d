import { Inject, Injectable } from '@nestjs/common';
import type { OutputLine } from '@runbooks/dispatch';
import { isTerminalStatus, type RunStore } from '@runbooks/history';
import type { ExecuteResult } from '@runbooks/types';

import { executeResultOf } from './run-results';
import { RUN_PORTS, type RunPorts } from './run-ports';
import { RUN_STORE } from '../history/run-store.provider';

/** Receives a run's events in order, each exactly once. */
export interface RunEventSink {
  /** May return a promise: the next event waits for it (back-pressure of a slow client). */
  output(line: OutputLine): void | Promise<void>;
  /** The final event; `seq` is one past the last output line (its SSE id). */
  done(result: ExecuteResult, seq: number): void;
  /** False once the client is gone (a replay stops early). */
  isOpen?(): boolean;
}

const REPLAY_PAGE = 1000;

/**
 * Follows a run's output after a given sequence number until `done`, with no gap and no
 * duplicate: a finished run replays from the store; a live one follows the bus, which replays,
 * fills gaps from the store and ends with `done`, whichever process runs it.
 */
@Injectable()
export class RunEventsService {
  constructor(
    @Inject(RUN_STORE) private readonly store: RunStore,
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
  ) {}

  /** Streams the run into `sink`; returns a function that stops following it. */
  async follow(runId: string, afterSeq: number, sink: RunEventSink): Promise<() => void> {
    const run = await this.store.get(runId);
    if (run && isTerminalStatus(run.status)) {
      let lastSeq = afterSeq;
      for (;;) {
        const lines = await this.store.readOutput(runId, lastSeq + 1, REPLAY_PAGE);
        for (const line of lines) await sink.output(line);
        lastSeq = lines.at(-1)?.seq ?? lastSeq;
        if (lines.length < REPLAY_PAGE || sink.isOpen?.() === false) break;
        await new Promise<void>((resolve) => setImmediate(resolve)); // let other requests run
      }
      sink.done(executeResultOf(run), lastSeq + 1);
      return () => undefined;
    }
    let lastSeq = afterSeq;
    const subscription = this.ports.bus.subscribe(runId, afterSeq, (signal) => {
      if (signal.kind === 'output') {
        lastSeq = Math.max(lastSeq, signal.line.seq);
        return sink.output(signal.line); // the bus waits for it: back-pressure
      }
      sink.done(signal.result, Math.max(lastSeq, signal.lastSeq) + 1);
      return undefined;
    });
    return () => subscription.close();
  }
}
