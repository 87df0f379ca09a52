import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

/** Runs pending migrations under an advisory lock, so replicas starting together migrate once. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = new DataSource({ ...dataSourceOptions(url, 1), logging: false });
  await ds.initialize();
  try {
    await ds.query(`SELECT pg_advisory_lock(727274001)`);
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await ds.query(`SELECT pg_advisory_unlock(727274001)`);
    }
  } finally {
    await ds.destroy();
  }
}
