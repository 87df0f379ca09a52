import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

/**
 * Where the tests' PostgreSQL comes from: TEST_DATABASE_URL when set, else a server on
 * 127.0.0.1:5432 when one answers, else an embedded PostgreSQL. Each run gets a fresh database.
 */
export async function provisionTestDatabase(): Promise<{ url: string; adminUrl: string; drop(): Promise<void> }> {
  const name = `inbox_test_${Date.now()}_${process.pid}`;
  const serverUrl = process.env.TEST_DATABASE_URL ?? ((await answers('postgres://postgres@127.0.0.1:5432/postgres')) ? 'postgres://postgres@127.0.0.1:5432/postgres' : null);
  if (serverUrl) {
    await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return { url: url.toString(), adminUrl: serverUrl, drop: () => dropDatabases(serverUrl, name) };
  }
  const { startEmbeddedDatabase } = await import('../../libs/core/src/db/embedded-database');
  const dir = mkdtempSync(join(tmpdir(), 'inbox-test-pg-'));
  chmodSync(dir, 0o755);
  const db = await startEmbeddedDatabase(dir, await freePort());
  const adminUrl = db.url.replace(/\/[^/]+$/, '/postgres');
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  return { url: db.url.replace(/\/[^/]+$/, `/${name}`), adminUrl, drop: () => db.stop() };
}

/** Drops the run's template database and every copy made from it. */
async function dropDatabases(adminUrl: string, prefix: string): Promise<void> {
  await withClient(adminUrl, async (c) => {
    const { rows } = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${prefix}%`]);
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
  });
}

/**
 * A fresh, migrated database for one test file: a copy of the run's template
 * (CREATE DATABASE ... TEMPLATE is a file copy, much faster than migrating again).
 */
export async function createTestDatabase(): Promise<string> {
  const template = process.env.TEST_DB_URL;
  const adminUrl = process.env.TEST_DB_ADMIN_URL;
  if (!template || !adminUrl) throw new Error('run the tests through jest (global setup provisions the database)');
  const templateName = new URL(template).pathname.slice(1);
  // Each test file has its own module registry: a counter would restart, a random suffix does not.
  const name = `${templateName}_${randomBytes(5).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${templateName}`));
  const url = new URL(template);
  url.pathname = `/${name}`;
  return url.toString();
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
