import { provisionTestDatabase } from './helpers/test-database';
import { runMigrations } from '../libs/core/src/db/migrate';

/** One fresh database per run; migrations run once here. */
export default async function globalSetup(): Promise<void> {
  const db = await provisionTestDatabase();
  await runMigrations(db.url);
  process.env.TEST_DB_URL = db.url;
  (globalThis as Record<string, unknown>).__TEST_DB__ = db;
}
