import { Injectable } from '@nestjs/common';
import type { ExecuteResult } from '@runbooks/types';

/** One streamed output line (or partial line) with its per-run sequence number. */
export interface OutputLine {
  seq: number;
  stream: 'stdout' | 'stderr';
  data: string;
}

/** What a live subscriber of a run receives. */
export type RunSignal =
  { kind: 'output'; line: OutputLine } | { kind: 'done'; result: ExecuteResult };

type Listener = (signal: RunSignal) => void;

/** In-process live channel of run output (the embedded OutputBus). */
@Injectable()
export class OutputBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Delivers a signal to the run's current subscribers; `done` closes the channel. */
  publish(runId: string, signal: RunSignal): void {
    const set = this.listeners.get(runId);
    if (!set) return;
    for (const listener of [...set]) listener(signal);
    if (signal.kind === 'done') this.listeners.delete(runId);
  }

  /** Listens to a run; returns the unsubscribe function. */
  subscribe(runId: string, listener: Listener): () => void {
    const set = this.listeners.get(runId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(runId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(runId) === set) this.listeners.delete(runId);
    };
  }
}
