import { InProcessRunQueue } from './run-queue';

describe('InProcessRunQueue', () => {
  it('runs at most N jobs, FIFO; nested jobs start at once; queued jobs can be removed', async () => {
    const releases: (() => void)[] = [];
    const started: string[] = [];
    const job = (id: string) => () => {
      started.push(id);
      return new Promise<void>((resolve) => releases.push(resolve));
    };
    const reports: [number, number][] = [];
    const queue = new InProcessRunQueue(1, (running, waiting) => reports.push([running, waiting]));
    queue.enqueue('a', job('a'));
    queue.enqueue('b', job('b'));
    queue.enqueue('c', job('c'));
    queue.enqueue('child', job('child'), true);
    expect(started).toEqual(['a', 'child']);
    expect(queue.waitingIds()).toEqual(['b', 'c']);
    expect(queue.remove('c')).toBe(true);
    expect(queue.remove('a')).toBe(false);
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    // 'child' still holds no queue slot of its own beyond the count; 'b' waits for a free one.
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'child', 'b']);
    expect(reports.at(-1)).toEqual([1, 0]);
  });
});
