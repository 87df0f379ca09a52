import pg from 'pg';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD } from './env.mjs';

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Where the bench's PostgreSQL comes from, like the tests: DATABASE_URL when set, else a
 * server on 127.0.0.1:5432 when it answers, else the embedded one. Every figure gets a
 * fresh database that is dropped afterwards.
 */
export async function openDatabaseServer(log) {
  let adminUrl = process.env.DATABASE_URL ?? null;
  let kind = adminUrl ? 'DATABASE_URL' : null;
  let embedded = null;
  // BENCH_EMBEDDED=1 measures the embedded database even where a local server answers (the fresh-machine path).
  if (!adminUrl && process.env.BENCH_EMBEDDED !== '1' && (await answers(LOCAL))) {
    adminUrl = LOCAL;
    kind = 'local PostgreSQL 127.0.0.1:5432';
  }
  if (!adminUrl) {
    const require = createRequire(import.meta.url);
    const { startEmbeddedDatabase } = require(join(BUILD, 'libs/core/src/db/embedded-database.js'));
    const dir = mkdtempSync(join(tmpdir(), 'inbox-bench-pg-'));
    chmodSync(dir, 0o755);
    const db = await startEmbeddedDatabase(dir, await freePort());
    embedded = { db, dir };
    adminUrl = db.url.replace(/\/[^/]+$/, '/postgres');
    kind = 'embedded PostgreSQL';
  }
  const version = await withClient(adminUrl, async (c) => (await c.query('SHOW server_version')).rows[0].server_version);
  // The settings a figure depends on, as this server runs them (a machine's configuration may
  // differ from PostgreSQL's defaults: this one's CI configuration turns autovacuum off).
  const settings = await withClient(adminUrl, async (c) => {
    const { rows } = await c.query(
      `SELECT string_agg(name || '=' || current_setting(name) || CASE WHEN source NOT IN ('default', 'override') THEN ' (' || source || ')' ELSE '' END, ', ' ORDER BY name) AS s
       FROM pg_settings WHERE name IN ('autovacuum', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'jit', 'max_connections')`,
    );
    return rows[0].s;
  });
  log?.(`database: ${kind} (PostgreSQL ${version}; ${settings})`);
  // With DATABASE_URL a role may lack CREATEDB: then every figure shares that one database.
  const canCreate = await withClient(adminUrl, async (c) => {
    const { rows } = await c.query(`SELECT rolcreatedb OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user`);
    return Boolean(rows[0]?.ok);
  });
  const created = [];
  return {
    kind: `${kind}, PostgreSQL ${version} (${settings})`,
    async createDatabase(label) {
      if (!canCreate) return adminUrl;
      const name = `inbox_bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${Date.now().toString(36)}_${process.pid}`;
      await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dropDatabase(url) {
      if (!canCreate) return;
      const name = new URL(url).pathname.slice(1);
      if (!created.includes(name)) return;
      await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      created.splice(created.indexOf(name), 1);
    },
    async close() {
      for (const name of [...created]) {
        await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
      }
      if (embedded) {
        await embedded.db.stop();
        rmSync(embedded.dir, { recursive: true, force: true });
      }
    },
  };
}

async function answers(url) {
  try {
    await withClient(url, (c) => c.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

export async function withClient(url, fn) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = srv.address().port;
      srv.close(() => resolve(port));
    });
  });
}

export async function redisAnswers() {
  const { createConnection } = await import('node:net');
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port: 6379 }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });
}
