import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AutoPreparingClient, PreparedStatement, preparedStatementsNow, warmConnection, warmOnConnect } from '@inbox/core';
import { bootApp } from './helpers/app';
import { createTestDatabase } from './helpers/test-database';
import { startTcpProxy } from './helpers/tcp-proxy';

type Prepared = { name: string; generic_plans: string; custom_plans: string };

/**
 * The warm pool (DATABASE_POOL_WARM, warm-connection.ts) against a real PostgreSQL: a new
 * connection prepares and plans the application's statements before it serves, pg then binds
 * them without parsing them again, and the server opens all its connections at start and keeps them.
 */
describe('a warm pool', () => {
  let url: string;

  beforeAll(async () => {
    url = await createTestDatabase();
  });

  /** A client as the application's pool makes one: connected, then warmed by the pool's `onConnect` hook (or not). */
  const connect = async (warm: boolean) => {
    const client = new AutoPreparingClient({ connectionString: url });
    await client.connect();
    if (warm) await warmOnConnect(5000)(client);
    return client;
  };
  const preparedOn = async (client: Client) => (await client.query<Prepared>(`SELECT name, generic_plans, custom_plans FROM pg_prepared_statements`)).rows;

  it('prepares every statement of the application and caches its generic plan, before the connection is lent', async () => {
    const want = preparedStatementsNow();
    // The hot statements of ingest, routing and sessions, loaded with @inbox/core.
    expect(want.map((s) => s.name)).toEqual(expect.arrayContaining(['ingest_store_commit', 'inbox_id_by_token', 'user_session_state']));
    const client = await connect(true);
    try {
      const rows = await preparedOn(client);
      expect(rows.map((r) => r.name).sort()).toEqual(want.map((s) => s.name).sort());
      for (const r of rows) expect(Number(r.generic_plans)).toBe(1);
      // Nothing was run: the EXPLAINs' transaction was rolled back and the connection is idle.
      expect(client.getTransactionStatus()).toBe('I');
    } finally {
      await client.end();
    }
  });

  it('leaves nothing prepared on a client that is not asked to warm', async () => {
    const client = await connect(false);
    try {
      expect(await preparedOn(client)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('lets pg bind a warmed statement at once, without parsing it again', async () => {
    const client = await connect(true);
    try {
      const session = preparedStatementsNow().find((s) => s.name === 'user_session_state')!;
      // pg would send a Parse for a name it did not know, and PostgreSQL would refuse it as a duplicate.
      const res = await client.query({ name: session.name, text: session.text }, ['00000000-0000-0000-0000-000000000000']);
      expect(res.rows).toEqual([]);
      const row = (await preparedOn(client)).find((r) => r.name === session.name)!;
      expect(Number(row.custom_plans) + Number(row.generic_plans)).toBe(2);
    } finally {
      await client.end();
    }
  });

  it('prepares the others when one text is refused, reports it, and leaves the connection usable', async () => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const good: PreparedStatement = { name: 'warm_probe_good', text: `SELECT id FROM users WHERE email = $1` };
      const bad: PreparedStatement = { name: 'warm_probe_bad', text: `SELECT no_such_column FROM users WHERE id = $1` };
      const later: PreparedStatement = { name: 'warm_probe_later', text: `SELECT count(*) FROM inboxes WHERE channel = $1 AND active = $2` };
      const r = await warmConnection(client, [good, bad, later]);
      expect(r).toEqual({ prepared: 2, failed: ['warm_probe_bad'] });
      expect((await preparedOn(client)).map((p) => p.name).sort()).toEqual(['warm_probe_good', 'warm_probe_later']);
      expect(client.getTransactionStatus()).toBe('I');
      expect((await client.query({ name: later.name, text: later.text }, ['api', true])).rows).toEqual([{ count: '0' }]);
      // Warming again finds nothing new to prepare.
      expect(await warmConnection(client, [good, later])).toEqual({ prepared: 0, failed: [] });
    } finally {
      await client.end();
    }
  });

  it('gives up on a connection whose database froze before it was warm, with the error of a connection timeout', async () => {
    const direct = new URL(url);
    const proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    // No read timeout: only the warming's own deadline can end the wait (else jest's timeout fails the test).
    const client = new AutoPreparingClient({ connectionString: proxy.urlThrough(url) });
    client.on('error', () => undefined);
    try {
      await client.connect();
      proxy.freeze();
      await expect(warmOnConnect(300)(client)).rejects.toThrow(/^Connection terminated due to connection timeout/);
    } finally {
      proxy.restore();
      await client.end().catch(() => undefined);
      await proxy.close();
    }
  });

  const appConnections = async (databaseUrl: string) => {
    const c = new Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'omnichannel-inbox'`);
      return Number(rows[0].n);
    } finally {
      await c.end();
    }
  };

  it('has the server open all its connections at start, and keep them', async () => {
    const sut = await bootApp({ DATABASE_POOL_SIZE: '4' });
    try {
      expect(await appConnections(sut.databaseUrl)).toBe(4);
      // Kept: the pool closes idle connections only above its minimum, which is all of them.
      const pool = (sut.server.app.get(DataSource).driver as unknown as { master: { options: { min: number; max: number } } }).master;
      expect(pool.options).toMatchObject({ min: 4, max: 4 });
      expect((await sut.api('GET', '/health')).status).toBe(200);
    } finally {
      await sut.close();
    }
  });

  it('opens connections on demand with DATABASE_POOL_WARM=false', async () => {
    const sut = await bootApp({ DATABASE_POOL_SIZE: '4', DATABASE_POOL_WARM: 'false' });
    try {
      expect(await appConnections(sut.databaseUrl)).toBeLessThan(4);
    } finally {
      await sut.close();
    }
  });
});
