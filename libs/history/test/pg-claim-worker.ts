// Child process of postgres-run-store.spec.ts: opens the PostgreSQL store at the URL given in argv
// (migrating it if needed), claims every run id given after the worker id and finishes the ones it
// won. Prints the won ids as JSON.
import { openPostgresRunStore } from '../src/lib/postgres-run-store';

async function main(): Promise<void> {
  const [connectionString, workerId, ...ids] = process.argv.slice(2);
  if (connectionString === undefined || workerId === undefined)
    throw new Error('usage: pg-claim-worker <url> <worker> [ids...]');
  const store = await openPostgresRunStore({ connectionString, maxConnections: 4 });
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
