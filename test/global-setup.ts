import { provisionTestDatabase } from './helpers/test-database';
import { runMigrations } from '../libs/core/src/db/migrate';

/** One migrated template database per run; each test file works on its own copy (see createTestDatabase). */
export default async function globalSetup(): Promise<void> {
  const db = await provisionTestDatabase();
  await runMigrations(db.url);
  process.env.TEST_DB_URL = db.url;
  process.env.TEST_DB_ADMIN_URL = db.adminUrl;
  (globalThis as Record<string, unknown>).__TEST_DB__ = db;
}
