import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startServer, RunningServer } from '../../apps/server/src/server';
import { createTestDatabase } from './test-database';

export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

export interface TestApp {
  server: RunningServer;
  databaseUrl: string;
  url: string;
  api: (
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> },
  ) => Promise<{ status: number; body: any; headers: Headers }>;
  login: (email?: string, password?: string) => Promise<string>;
  close: () => Promise<void>;
}

/**
 * Boots the real server (HTTP + sockets + jobs) on a free port, on a fresh copy of the
 * migrated test database unless `DATABASE_URL` is given (to boot a second life on the same data).
 */
export async function bootApp(env: Record<string, string> = {}): Promise<TestApp> {
  const databaseUrl = env.DATABASE_URL ?? (await createTestDatabase());
  const server = await startServer({
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'inbox-test-data-')),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOG_PRETTY: 'false',
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough-0123456789',
    ENCRYPTION_KEY: '0'.repeat(63) + '1',
    OUTBOUND_RETRY_DELAY_SECONDS: '1',
    // The tests' webhook receivers and mail servers listen on 127.0.0.1; test/outbound-policy.e2e-spec.ts boots with 'false'.
    OUTBOUND_ALLOW_PRIVATE: 'true',
    // Test files drive one server hard from one address; test/rate-limits.e2e-spec.ts boots with small limits.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_INGEST_PER_MINUTE: '1000000',
    ...env,
  });
  const url = server.url;
  const api: TestApp['api'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    if (opts.raw !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}/api/v1${path}`, { method, headers, body: body as BodyInit | undefined });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  const login = async (email = ADMIN.email, password = ADMIN.password) => {
    const res = await api('POST', '/auth/login', { body: { email, password } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.accessToken as string;
  };
  return { server, databaseUrl, url, api, login, close: () => server.close() };
}

/** What most e2e files start from: the booted app, the admin's token and a pg client on the file's database. */
export interface AppFixture {
  sut: TestApp;
  admin: string;
  db: Client;
}

/**
 * Boots the app (see `bootApp`), signs the admin in and connects a pg client to the same database.
 * The returned app's `close()` ends the pg client first, so one `await sut?.close()` in `afterAll` cleans up both.
 */
export async function bootFixture(env: Record<string, string> = {}): Promise<AppFixture> {
  const sut = await bootApp(env);
  const db = new Client({ connectionString: sut.databaseUrl });
  try {
    await db.connect();
    const admin = await sut.login();
    const closeServer = sut.close;
    sut.close = async () => {
      await db.end();
      await closeServer();
    };
    return { sut, admin, db };
  } catch (err) {
    await db.end().catch(() => undefined);
    await sut.close();
    throw err;
  }
}

/** Polls until `fn` returns a truthy value (no fixed sleeps in tests). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 15000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const uid = () => Math.random().toString(36).slice(2, 10);
