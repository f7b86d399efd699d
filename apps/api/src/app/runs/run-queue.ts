/** A unit of work waiting for a slot. */
interface QueuedJob {
  id: string;
  start: () => Promise<void>;
}

/**
 * The embedded RunQueue: FIFO with a concurrency limit, in this process. `remove` takes a job out
 * before it starts (cancel of a queued run).
 */
export class InProcessRunQueue {
  private readonly waiting: QueuedJob[] = [];
  private running = 0;

  constructor(
    private readonly concurrency: number,
    private readonly onChange: (running: number, waiting: number) => void = () => undefined,
  ) {}

  /** Adds a job; it starts as soon as a slot is free. */
  enqueue(id: string, start: () => Promise<void>): void {
    this.waiting.push({ id, start });
    this.pump();
  }

  /** Removes a job that has not started; false when it already started or is unknown. */
  remove(id: string): boolean {
    const index = this.waiting.findIndex((job) => job.id === id);
    if (index === -1) return false;
    this.waiting.splice(index, 1);
    this.report();
    return true;
  }

  /** Ids of jobs still waiting. */
  waitingIds(): string[] {
    return this.waiting.map((job) => job.id);
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift() as QueuedJob;
      this.running++;
      void job.start().finally(() => {
        this.running--;
        this.pump();
      });
    }
    this.report();
  }

  private report(): void {
    this.onChange(this.running, this.waiting.length);
  }
}
