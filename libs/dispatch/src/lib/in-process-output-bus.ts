import type { ExecuteResult } from '@runbooks/types';
import { assertRunId, DispatchError } from './dispatch-error';
import type {
  OutputBus,
  OutputBusOptions,
  OutputLine,
  OutputLineInput,
  OutputSubscription,
  RunSignalListener,
} from './output-bus';
import { RunSignalCursor } from './run-signal-cursor';

/** Options of `InProcessOutputBus`. */
export interface InProcessOutputBusOptions extends OutputBusOptions {
  /** Lines kept per run for replay (older ones come from the backfill); default 10 000. */
  maxLinesPerRun?: number;
  /** How long a finished run stays replayable from memory; default 60 000 ms. */
  completedRetentionMs?: number;
}

interface Channel {
  lines: OutputLine[];
  lastSeq: number;
  done: { result: ExecuteResult; lastSeq: number } | null;
  cursors: Set<RunSignalCursor>;
  expiry: NodeJS.Timeout | null;
}

/** The embedded OutputBus: per-run memory of recent lines, delivered in this process. */
export class InProcessOutputBus implements OutputBus {
  private readonly channels = new Map<string, Channel>();
  private readonly maxLines: number;
  private readonly retentionMs: number;
  private readonly onError: (error: unknown) => void;
  private closed = false;

  constructor(private readonly options: InProcessOutputBusOptions = {}) {
    this.maxLines = Math.max(1, Math.floor(options.maxLinesPerRun ?? 10_000));
    this.retentionMs = Math.max(0, options.completedRetentionMs ?? 60_000);
    this.onError = options.onError ?? (() => undefined);
  }

  publish(runId: string, input: OutputLineInput): Promise<number> {
    try {
      this.assertOpen();
      assertRunId(runId);
      assertLine(input);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const channel = this.channel(runId);
    const seq = input.seq ?? channel.lastSeq + 1;
    if (channel.done !== null || seq <= channel.lastSeq) return Promise.resolve(seq);
    const line: OutputLine = { seq, stream: input.stream, data: input.data };
    channel.lines.push(line);
    if (channel.lines.length > this.maxLines)
      channel.lines.splice(0, channel.lines.length - this.maxLines);
    channel.lastSeq = seq;
    for (const cursor of channel.cursors) cursor.offer({ kind: 'output', line });
    return Promise.resolve(seq);
  }

  complete(
    runId: string,
    result: ExecuteResult,
    options: { lastSeq?: number } = {},
  ): Promise<void> {
    try {
      this.assertOpen();
      assertRunId(runId);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const channel = this.channel(runId);
    if (channel.done !== null) return Promise.resolve();
    const lastSeq = Math.max(channel.lastSeq, Math.floor(options.lastSeq ?? 0));
    channel.done = { result, lastSeq };
    for (const cursor of channel.cursors) cursor.offer({ kind: 'done', result, lastSeq });
    channel.expiry = setTimeout(() => this.channels.delete(runId), this.retentionMs);
    channel.expiry.unref();
    return Promise.resolve();
  }

  subscribe(runId: string, afterSeq: number, listener: RunSignalListener): OutputSubscription {
    this.assertOpen();
    assertRunId(runId);
    const channel = this.channel(runId);
    const cursor: RunSignalCursor = new RunSignalCursor(
      runId,
      afterSeq,
      listener,
      this.options.backfill,
      this.onError,
      () => {
        channel.cursors.delete(cursor);
        // A subscriber to a run that never published leaves nothing behind.
        if (
          channel.cursors.size === 0 &&
          channel.lastSeq === 0 &&
          channel.done === null &&
          this.channels.get(runId) === channel
        ) {
          this.channels.delete(runId);
        }
      },
    );
    // Replay and registration happen in one synchronous step: nothing published in between.
    for (const line of channel.lines) {
      if (line.seq > afterSeq) cursor.offer({ kind: 'output', line });
    }
    if (channel.done !== null) cursor.offer({ kind: 'done', ...channel.done });
    channel.cursors.add(cursor);
    return { close: () => cursor.close() };
  }

  close(): Promise<void> {
    this.closed = true;
    for (const channel of this.channels.values()) {
      if (channel.expiry) clearTimeout(channel.expiry);
      for (const cursor of channel.cursors) cursor.close();
    }
    this.channels.clear();
    return Promise.resolve();
  }

  private channel(runId: string): Channel {
    let channel = this.channels.get(runId);
    if (channel === undefined) {
      channel = { lines: [], lastSeq: 0, done: null, cursors: new Set(), expiry: null };
      this.channels.set(runId, channel);
    }
    return channel;
  }

  private assertOpen(): void {
    if (this.closed) throw new DispatchError('BUS_CLOSED', 'The output bus is closed.');
  }
}

/** Throws INVALID_EVENT unless `line` is a publishable output line. */
export function assertLine(line: OutputLineInput): void {
  if (
    (line.stream !== 'stdout' && line.stream !== 'stderr') ||
    typeof line.data !== 'string' ||
    (line.seq !== undefined && (!Number.isSafeInteger(line.seq) || line.seq < 1))
  ) {
    throw new DispatchError(
      'INVALID_EVENT',
      'An output line needs stream stdout|stderr, string data and an optional seq >= 1.',
    );
  }
}
