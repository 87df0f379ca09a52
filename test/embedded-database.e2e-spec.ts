import { mkdtempSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../apps/server/src/server';
import { freePort } from './helpers/test-database';

/** `npm start` with nothing configured: the server runs its own PostgreSQL in DATA_DIR. */
describe('embedded database start-up', () => {
  it('boots with DATABASE_URL unset, prints an admin password, stops cleanly and keeps data across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'inbox-embedded-'));
    chmodSync(dataDir, 0o755);
    const env = {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      EMBEDDED_PG_PORT: String(await freePort()),
      LOG_LEVEL: 'silent',
      LOG_PRETTY: 'false',
      ADMIN_PASSWORD: '',
    };

    const first = await startServer(env);
    let password: string;
    try {
      expect(first.databaseUrl).toContain('127.0.0.1');
      expect(first.admin.created).toBe(true);
      password = first.admin.generatedPassword!;
      expect(password.length).toBeGreaterThanOrEqual(12);
      const health = await fetch(`${first.url}/api/v1/health`);
      expect(health.status).toBe(200);
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(true);
      expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    } finally {
      await first.close();
    }
    await expect(fetch(`${first.url}/api/v1/health`)).rejects.toThrow();
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    const second = await startServer(env);
    try {
      expect(second.admin).toMatchObject({ created: false, generatedPassword: null });
      const login = await fetch(`${second.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@example.com', password }),
      });
      expect(login.status).toBe(200);
    } finally {
      await second.close();
    }
  }, 120000);
});
