/** A unit of work waiting for a slot. */
interface QueuedJob {
  id: string;
  start: () => Promise<void>;
}

/**
 * The embedded RunQueue: FIFO with a concurrency limit, in this process. `remove` takes a job out
 * before it starts (cancel of a queued run). Nested jobs (sub-runbooks called by a running
 * script) start at once: their parent already holds a slot and waits for them, so queueing them
 * behind other parents could deadlock the server until the parents time out.
 */
export class InProcessRunQueue {
  private readonly waiting: QueuedJob[] = [];
  private running = 0;

  constructor(
    private readonly concurrency: number,
    private readonly onChange: (running: number, waiting: number) => void = () => undefined,
  ) {}

  /** Adds a job; it starts as soon as a slot is free (a nested job starts at once). */
  enqueue(id: string, start: () => Promise<void>, nested = false): void {
    if (nested) {
      this.run({ id, start });
      this.report();
      return;
    }
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
      this.run(this.waiting.shift() as QueuedJob);
    }
    this.report();
  }

  private run(job: QueuedJob): void {
    this.running++;
    void job.start().finally(() => {
      this.running--;
      this.pump();
    });
  }

  private report(): void {
    this.onChange(this.running, this.waiting.length);
  }
}
