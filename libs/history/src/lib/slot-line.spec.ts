import type { RunSlot } from './run-store';
import { decideSlotLine, type SlotLineRun } from './slot-line';

const lock: RunSlot = { key: 'lock:db', limit: 1, label: 'lock db' };
const two: RunSlot = { key: 'limit:a.md', limit: 2, label: 'concurrency limit 2 of a.md' };

function run(id: string, status: SlotLineRun['status'], slots: RunSlot[], at = id): SlotLineRun {
  return { id, status, createdAt: `2026-01-01T00:00:0${at}.000Z`, slots };
}

describe('decideSlotLine', () => {
  it('lets the first queued run take a free slot and lines up the others in request order', () => {
    const line = decideSlotLine([
      run('3', 'queued', [lock]),
      run('1', 'queued', [lock]),
      run('2', 'queued', [lock]),
    ]);
    expect(line.get('1')).toEqual({ waitingFor: null, queuePosition: null });
    expect(line.get('2')).toEqual({ waitingFor: 'lock db, next in line: run 1', queuePosition: 1 });
    expect(line.get('3')).toEqual({ waitingFor: 'lock db, next in line: run 1', queuePosition: 2 });
  });

  it('names the holder of a taken slot', () => {
    const line = decideSlotLine([run('1', 'running', [lock]), run('2', 'queued', [lock])]);
    expect(line.get('2')).toEqual({ waitingFor: 'lock db, held by run 1', queuePosition: 1 });
    expect(line.has('1')).toBe(false);
  });

  it('lets up to the limit run at once', () => {
    const line = decideSlotLine([
      run('1', 'running', [two]),
      run('2', 'queued', [two]),
      run('3', 'queued', [two]),
    ]);
    expect(line.get('2')?.waitingFor).toBeNull();
    expect(line.get('3')).toEqual({
      waitingFor: 'concurrency limit 2 of a.md, held by run 1',
      queuePosition: 1,
    });
  });

  it('needs every slot free, and keeps the line on each slot', () => {
    const other: RunSlot = { key: 'lock:cache', limit: 1, label: 'lock cache' };
    const line = decideSlotLine([
      run('1', 'running', [other]),
      run('2', 'queued', [lock, other]),
      run('3', 'queued', [lock]),
      run('4', 'queued', [{ ...other, key: 'lock:free', label: 'lock free' }]),
    ]);
    expect(line.get('2')).toEqual({ waitingFor: 'lock cache, held by run 1', queuePosition: 1 });
    // Run 2 was first on lock db: run 3 waits behind it even though nobody holds db yet.
    expect(line.get('3')).toEqual({ waitingFor: 'lock db, next in line: run 2', queuePosition: 2 });
    expect(line.get('4')?.waitingFor).toBeNull();
  });
});
