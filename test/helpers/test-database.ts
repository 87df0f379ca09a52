import { Client } from 'pg';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

/**
 * Where the tests' PostgreSQL comes from: TEST_DATABASE_URL when set, else a server on
 * 127.0.0.1:5432 when one answers, else an embedded PostgreSQL. Each run gets a fresh database.
 */
export async function provisionTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `inbox_test_${Date.now()}_${process.pid}`;
  const adminUrl = process.env.TEST_DATABASE_URL ?? ((await answers('postgres://postgres@127.0.0.1:5432/postgres')) ? 'postgres://postgres@127.0.0.1:5432/postgres' : null);
  if (adminUrl) {
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
    };
  }
  const { startEmbeddedDatabase } = await import('../../libs/core/src/db/embedded-database');
  const dir = mkdtempSync(join(tmpdir(), 'inbox-test-pg-'));
  chmodSync(dir, 0o755);
  const db = await startEmbeddedDatabase(dir, await freePort());
  return { url: db.url, drop: () => db.stop() };
}

async function answers(url: string): Promise<boolean> {
  try {
    await withClient(url, (c) => c.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
