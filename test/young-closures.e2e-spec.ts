import { setFlagsFromString } from 'node:v8';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { AutoPreparingClient, DomainEvents, OutboxRepository, Transactions, appPoolTimeoutOptions } from '@inbox/core';
import { createTestDatabase } from './helpers/test-database';

/**
 * The closures a statement leaves behind are allocated young (README "Eighteenth wave").
 *
 * V8 allocates a function literal assigned straight to a property (`query.callback = (err, res)
 * => ...`) in the old generation. pg's own promise and read timeout, TypeORM's query runner and
 * the transactions' first-statement wrapper each made one per statement or transaction: garbage
 * a moment later, it held its context (rows, runners, the promises awaiting them) through every
 * scavenge until the next full collection, 4 to 5 MB copied at each scavenge at 100 messages a
 * second. Each check below reads where V8 put the closure (`%InYoungGeneration`); with pg's
 * promise, pg's `query_timeout` or TypeORM's `connect` it reads false.
 */
setFlagsFromString('--allow-natives-syntax');
// V8's natives syntax exists only in code compiled after the flag: hence a Function.
const inYoungGeneration = new Function('value', 'return %InYoungGeneration(value)') as (value: unknown) => boolean;

type QueryInternals = { callback?: unknown };
/** The query pg is running or about to run on this client. */
const pendingQuery = (client: PoolClient): QueryInternals => {
  const c = client as unknown as { _queryQueue: QueryInternals[]; _activeQuery: QueryInternals | null };
  return c._activeQuery ?? c._queryQueue[c._queryQueue.length - 1];
};

describe('young closures: what a statement leaves behind', () => {
  let ds: DataSource;
  let tx: Transactions;
  const TIMEOUTS = { connectTimeoutMs: 5000, statementTimeoutMs: 5000 };

  beforeAll(async () => {
    ds = new DataSource({ type: 'postgres', url: await createTestDatabase(), extra: { max: 2, Client: AutoPreparingClient, ...appPoolTimeoutOptions(TIMEOUTS) } });
    await ds.initialize();
    tx = new Transactions(ds, new OutboxRepository(), new DomainEvents());
  });

  afterAll(async () => {
    await ds?.destroy();
  });

  it('reads the flag it relies on: a literal assigned to a property is old, one in a variable young', () => {
    const holder: { fn?: () => number } = {};
    holder.fn = () => 1;
    const fn = () => 2;
    expect(inYoungGeneration(holder.fn)).toBe(false);
    expect(inYoungGeneration(fn)).toBe(true);
  });

  it('the application pool client: the callback pg keeps for a statement, with its read timeout on', async () => {
    const runner = ds.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      expect((client as unknown as AutoPreparingClient).readTimeoutMillis).toBe(TIMEOUTS.statementTimeoutMs + 1000);
      for (const [text, values] of [
        ['SELECT 1 AS one', undefined],
        ['SELECT $1::int AS n', [7]],
      ] as const) {
        const answer = client.query(text, values as unknown[] | undefined);
        expect(inYoungGeneration(pendingQuery(client).callback)).toBe(true);
        expect((await answer).rows).toHaveLength(1);
      }
    } finally {
      await runner.release();
    }
  });

  it("TypeORM's query runner: its release function, and the connection goes back to the pool on release", async () => {
    const pool = (ds.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
    const runner = ds.createQueryRunner();
    await runner.connect();
    expect(inYoungGeneration((runner as unknown as { releaseCallback: unknown }).releaseCallback)).toBe(true);
    expect(await runner.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    const idleBefore = pool.idleCount;
    await runner.release();
    expect(pool.idleCount).toBe(idleBefore + 1);
    expect(pool.totalCount).toBeLessThanOrEqual(2);
  });

  it("a transaction's first-statement wrapper (the BEGIN sent with the first statement)", async () => {
    const seen = await tx.run(async (t) => {
      const client = (t.em.queryRunner as unknown as { databaseConnection: PoolClient }).databaseConnection;
      const wrapper = Object.getOwnPropertyDescriptor(client, 'query')?.value as unknown;
      const young = inYoungGeneration(wrapper);
      const [row] = (await t.em.query('SELECT 3 AS three')) as Array<{ three: number }>;
      return { hadWrapper: typeof wrapper === 'function', young, row };
    });
    expect(seen).toEqual({ hadWrapper: true, young: true, row: { three: 3 } });
  });

  it('a statement the server does not answer in time fails with "Query read timeout", and the pool goes on with a new connection', async () => {
    const quick = new DataSource({
      type: 'postgres',
      url: (ds.options as { url: string }).url,
      extra: { max: 1, Client: AutoPreparingClient, ...appPoolTimeoutOptions({ connectTimeoutMs: 5000, statementTimeoutMs: 100 }), statement_timeout: 0 },
    });
    await quick.initialize();
    try {
      const [{ pid }] = (await quick.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
      // The server's own statement_timeout is off here, so only the client's read timeout (1.1 s) can end it.
      await expect(quick.query('SELECT pg_sleep(5)')).rejects.toThrow(/Query read timeout/);
      const [{ pid: after }] = (await quick.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
      expect(after).not.toBe(pid);
    } finally {
      await quick.destroy();
    }
  }, 20_000);
});
