import { Migrator } from 'kysely';
import type { Kysely } from 'kysely';
import { HistoryError } from './history-error';
import { RUN_STORE_MIGRATIONS } from './run-store-schema';
import type { RunDatabase } from './run-store-schema';

/** Applies the RunStore migrations (Kysely Migrator, table `kysely_migration`); throws MIGRATION_FAILED. */
export async function migrateRunStore(db: Kysely<RunDatabase>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...RUN_STORE_MIGRATIONS }) },
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new HistoryError('MIGRATION_FAILED', 'Could not migrate the run store schema.', {
      cause: error,
    });
  }
}
