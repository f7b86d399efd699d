/// <reference types="jest" />
import { isHistoryError } from './history-error';
import type { NewRun, Run, RunSlot, RunStore } from './run-store';

/** What the slot tests need from the contract suite around them. */
export interface RunSlotsContext {
  store: () => RunStore;
  tick: (ms?: number) => void;
}

const DB: RunSlot = { key: 'lock:db', limit: 1, label: 'lock db' };

/**
 * Concurrency slots, part of the RunStore contract: a run with slots is claimed only when the
 * waiting line lets it start, whoever asks and however many ask at once.
 */
export function describeRunSlots(context: RunSlotsContext): void {
  describe('concurrency slots', () => {
    const make = (id: string, slots: RunSlot[], extra: Partial<NewRun> = {}): Promise<Run> => {
      context.tick(10);
      return context
        .store()
        .create({ id, runbook: 'deploy.md', requestedBy: 'a', slots, ...extra });
    };
    const claim = (id: string) => context.store().claim(id, { workerId: 'w' });
    const get = async (id: string): Promise<Run> => {
      const run = await context.store().get(id);
      if (!run) throw new Error(`no run ${id}`);
      return run;
    };

    it('stores the slots and starts with nothing to wait for', async () => {
      const run = await make('s1', [DB]);
      expect(run).toMatchObject({ slots: [DB], waitingFor: null, queuePosition: null });
      expect((await get('s1')).slots).toEqual([DB]);
    });

    it('refuses malformed slots', async () => {
      for (const slots of [
        [{ ...DB, limit: 0 }],
        [{ ...DB, limit: 101 }],
        [{ ...DB, key: '' }],
        [DB, DB],
      ]) {
        let caught: unknown = null;
        await make('bad', slots).catch((error: unknown) => (caught = error));
        expect(isHistoryError(caught, 'INVALID_RUN')).toBe(true);
      }
    });

    it('claims in request order and says what a blocked run waits for', async () => {
      await make('a', [DB]);
      await make('b', [DB]);
      expect(await claim('b')).toBeNull();
      expect(await get('b')).toMatchObject({
        status: 'queued',
        waitingFor: 'lock db, next in line: run a',
        queuePosition: 1,
      });
      const a = await claim('a');
      expect(a).toMatchObject({ status: 'running', waitingFor: null, queuePosition: null });
      expect(await claim('b')).toBeNull();
      expect(await get('b')).toMatchObject({
        waitingFor: 'lock db, held by run a',
        queuePosition: 1,
      });
      await context.store().transition('a', 1, ['running'], 'success');
      expect(await claim('b')).toMatchObject({ status: 'running', waitingFor: null });
    });

    it('lets exactly one of many simultaneous claims take a lock', async () => {
      const ids = Array.from({ length: 8 }, (_, index) => `r${index}`);
      for (const id of ids) await make(id, [DB]);
      const claimed = await Promise.all(ids.map((id) => claim(id)));
      expect(claimed.filter((run) => run !== null).map((run) => run?.id)).toEqual(['r0']);
      // Every other run is told where it stands.
      const standings = await Promise.all(ids.slice(1).map((id) => get(id)));
      expect(standings.map((run) => run.queuePosition)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it('runs up to the limit at once and keeps different keys apart', async () => {
      const two: RunSlot = { key: 'limit:deploy.md', limit: 2, label: 'limit 2' };
      const prod: RunSlot = { key: 'limit:x=prod', limit: 1, label: 'prod' };
      const staging: RunSlot = { key: 'limit:x=staging', limit: 1, label: 'staging' };
      for (const id of ['t1', 't2', 't3']) await make(id, [two]);
      await make('p', [prod]);
      await make('s', [staging]);
      const claimed = await Promise.all(['t1', 't2', 't3', 'p', 's'].map((id) => claim(id)));
      expect(claimed.map((run) => run?.id ?? null)).toEqual(['t1', 't2', null, 'p', 's']);
    });

    it('releases a slot on every ending and on a requeue', async () => {
      for (const [id, end] of [
        ['e1', 'failure'],
        ['e2', 'canceled'],
        ['e3', 'lost'],
        ['e4', 'timeout'],
      ] as const) {
        await make(id, [DB]);
        expect(await claim(id)).not.toBeNull();
        await context.store().transition(id, 1, ['running'], end);
      }
      await make('q1', [DB]);
      await make('q2', [DB]);
      expect(await claim('q1')).not.toBeNull();
      expect(await claim('q2')).toBeNull();
      await context.store().requeue('q1', 1);
      // q1 was requested first: it takes the lock again before q2.
      expect(await claim('q2')).toBeNull();
      expect(await claim('q1')).toMatchObject({ attempt: 2 });
    });

    it('reviews the waiting line: who may start, where the others stand', async () => {
      await make('h', [DB]);
      expect(await claim('h')).not.toBeNull();
      await make('w1', [DB]);
      await make('w2', [DB], { recursionStack: ['parent.md', 'deploy.md'] });
      await make('free', [{ key: 'lock:other', limit: 1, label: 'lock other' }]);
      await make('plain', []);
      expect(await context.store().reviewWaiting()).toEqual([
        {
          id: 'w1',
          runbook: 'deploy.md',
          attempt: 0,
          waitingFor: 'lock db, held by run h',
          queuePosition: 1,
          recursionStack: [],
        },
        {
          id: 'w2',
          runbook: 'deploy.md',
          attempt: 0,
          waitingFor: 'lock db, held by run h',
          queuePosition: 2,
          recursionStack: ['parent.md', 'deploy.md'],
        },
        {
          id: 'free',
          runbook: 'deploy.md',
          attempt: 0,
          waitingFor: null,
          queuePosition: null,
          recursionStack: [],
        },
      ]);
      expect(await get('w2')).toMatchObject({
        waitingFor: 'lock db, held by run h',
        queuePosition: 2,
      });
      // A canceled waiting run waits for nothing; the line closes up.
      await context.store().transition('w1', 0, ['queued'], 'canceled');
      expect(await get('w1')).toMatchObject({ waitingFor: null, queuePosition: null });
      await context.store().reviewWaiting();
      expect(await get('w2')).toMatchObject({ queuePosition: 1 });
      await context.store().transition('h', 1, ['running'], 'success');
      const line = await context.store().reviewWaiting();
      expect(line.find((run) => run.id === 'w2')?.waitingFor).toBeNull();
    });

    it('notes why a run without slots waits, until it is claimed', async () => {
      await make('m', []);
      expect(await context.store().noteWaiting('m', 'the server-wide limit')).toBe(true);
      expect(await get('m')).toMatchObject({
        waitingFor: 'the server-wide limit',
        queuePosition: null,
      });
      expect(await context.store().noteWaiting('m', 'something else')).toBe(false);
      expect(await claim('m')).toMatchObject({ waitingFor: null });
      expect(await context.store().noteWaiting('m', 'late')).toBe(false);
      expect(await context.store().noteWaiting('missing', 'x')).toBe(false);
    });

    it('claims a run without slots as before', async () => {
      await make('n', []);
      expect(await claim('n')).toMatchObject({ status: 'running', slots: [] });
      expect(await claim('n')).toBeNull();
      expect(await claim('missing')).toBeNull();
    });
  });
}
