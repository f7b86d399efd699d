// Child process of sqlite-run-store.spec.ts: opens the store file given in argv, claims every run id
// given after the worker id and finishes the ones it won. Prints the won ids as JSON.
import { openSqliteRunStore } from '../src/lib/sqlite-run-store';

async function main(): Promise<void> {
  const [file, workerId, ...ids] = process.argv.slice(2);
  if (file === undefined || workerId === undefined)
    throw new Error('usage: claim-worker <file> <worker> [ids...]');
  const store = await openSqliteRunStore({ file });
  const won: string[] = [];
  await Promise.all(
    ids.map(async (id) => {
      const claimed = await store.claim(id, { workerId });
      if (claimed === null) return;
      const done = await store.transition(id, claimed.attempt, ['running'], 'success', {
        returnCode: 0,
      });
      if (done.applied) won.push(id);
    }),
  );
  await store.close();
  process.stdout.write(JSON.stringify(won));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exitCode = 1;
});
