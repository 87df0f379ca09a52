import { Client } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import { DomainEvent, DomainEvents, GENERIC_PLANS, OutboxRepository, RunOptions, Transactions, isRetryableConflict, prepared, queryRows, queryRowsTogether } from '@inbox/core';
import { createTestDatabase } from './helpers/test-database';

/**
 * Transactions.run against a real PostgreSQL: the BEGIN travels with the transaction's first
 * statement (one round trip), and everything a transaction promises still holds: its first
 * statement inside it, errors as from any statement, a connection that comes back clean, the
 * outbox rows of a transaction that read nothing.
 */
/** A pg query method that records each query's text in `into`, then calls `next`. */
function recording(into: string[], next: Client['query']): Client['query'] {
  return function (this: Client, config: unknown, ...rest: unknown[]) {
    into.push(typeof config === 'string' ? config : String((config as { text?: string }).text));
    return (next as (...args: unknown[]) => unknown).call(this, config, ...rest);
  } as Client['query'];
}

describe('transactions: the BEGIN with the first statement', () => {
  let ds: DataSource;
  let url: string;
  let tx: Transactions;
  const published: DomainEvent[] = [];
  const sent: string[] = [];
  const query = Client.prototype.query;

  beforeAll(async () => {
    // One connection: statements parsed by one transaction are known to the next.
    url = await createTestDatabase();
    ds = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
    await ds.initialize();
    await ds.query(`CREATE TABLE tx_probe (id int PRIMARY KEY, label text NOT NULL)`);
    const events = new DomainEvents();
    events.subscribe((e) => published.push(e));
    tx = new Transactions(ds, new OutboxRepository(), events);
    // Every round trip this file's pool sends, by its text.
    Client.prototype.query = recording(sent, query);
  });

  afterAll(async () => {
    Client.prototype.query = query;
    await ds?.destroy();
  });

  beforeEach(() => {
    sent.length = 0;
    published.length = 0;
  });

  const INSERT = prepared('test_tx_probe_insert', `INSERT INTO tx_probe (id, label) VALUES ($1, $2) RETURNING id`);
  const READ = prepared('test_tx_probe_read', `SELECT label FROM tx_probe WHERE id = ANY($1::int[]) ORDER BY id`);
  const labels = async (ids: number[]) => (await queryRows<{ label: string }>(ds.manager, READ, [ids])).map((r) => r.label);

  it('sends a parsed prepared statement with the BEGIN, inside the transaction', async () => {
    await labels([0]); // parses READ on the connection
    await tx.run(async ({ em }) => {
      await queryRows(em, INSERT, [1, 'first']); // not parsed yet: BEGIN, then the statement
    });
    expect(sent.slice(-3)).toEqual(['START TRANSACTION', INSERT.text, 'COMMIT']);

    sent.length = 0;
    const out = await tx.run(async ({ em }) => {
      const seen = await queryRows<{ label: string }>(em, READ, [[1, 2]]);
      await queryRows(em, INSERT, [2, "it's second"]);
      return seen;
    }, GENERIC_PLANS);
    expect(out).toEqual([{ label: 'first' }]);
    expect(sent[0]).toMatch(/^START TRANSACTION; SET LOCAL plan_cache_mode = force_generic_plan;\nEXECUTE "test_tx_probe_read"\('\{"1","2"\}'\)$/);
    expect(sent).toHaveLength(3);
    expect(await labels([1, 2])).toEqual(['first', "it's second"]);

    // The first statement belongs to the transaction: a failure after it takes it back.
    sent.length = 0;
    await expect(
      tx.run(async ({ em }) => {
        await queryRows(em, INSERT, [3, 'rolled back']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(sent[0]).toMatch(/^START TRANSACTION;\nEXECUTE "test_tx_probe_insert"\('3', 'rolled back'\)$/);
    expect(await labels([3])).toEqual([]);
  });

  it('reports a failing first statement as any statement, and the connection comes back clean', async () => {
    const failed = await tx
      .run(async ({ em }) => {
        await queryRows(em, INSERT, [1, 'duplicate']);
      })
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(QueryFailedError);
    expect((failed as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('23505');
    // The same (only) connection: no transaction left open or aborted.
    expect(await queryRows<{ n: number }>(ds.manager, `SELECT count(*)::int AS n FROM tx_probe`)).toEqual([{ n: 2 }]);
    await tx.run(async ({ em }) => {
      await queryRows(em, INSERT, [4, 'after the failure']);
    });
    expect(await labels([4])).toEqual(['after the failure']);
  });

  it('keeps PostgreSQL’s own error for a NUL character, bound as a parameter rather than written into the text', async () => {
    const bound = await queryRows(ds.manager, INSERT, [5, 'nul \u0000 inside']).catch((err: unknown) => err);
    const first = await tx
      .run(async ({ em }) => {
        await queryRows(em, INSERT, [5, 'nul \u0000 inside']);
      })
      .catch((err: unknown) => err);
    expect((first as { driverError: { code: string } }).driverError.code).toBe((bound as { driverError: { code: string } }).driverError.code);
    expect(await labels([5])).toEqual([]);
  });

  it('writes the events of a transaction that sent no statement, with its BEGIN, and sends nothing for one without events', async () => {
    await tx.run(async () => undefined);
    expect(sent).toEqual([]);

    await tx.run(async ({ emit }) => {
      emit({ type: 'queue.stats', conversationId: null, payload: { teams: [] } } as never);
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^START TRANSACTION;\nINSERT INTO outbox_events .*;\nCOMMIT$/s);
    expect(published).toHaveLength(1);
    const [row] = await queryRows<{ type: string }>(ds.manager, `SELECT type FROM outbox_events WHERE seq = $1`, [published[0].seq]);
    expect(row.type).toBe('queue.stats');

    // More events than go inline (OUTBOX_INLINE_MAX), still with no statement of the work.
    published.length = 0;
    await tx.run(async ({ emit }) => {
      for (let i = 0; i < 40; i++) emit({ type: 'queue.stats', conversationId: null, payload: { teams: [], i } } as never);
    });
    expect(published.map((e) => (e.payload as unknown as { i: number }).i)).toEqual([...Array(40).keys()]);
    const rows = await queryRows<{ seq: string; i: number }>(ds.manager, `SELECT seq, (payload->>'i')::int AS i FROM outbox_events WHERE seq = ANY($1::bigint[]) ORDER BY seq`, [
      published.map((e) => e.seq),
    ]);
    expect(rows.map((r) => r.i)).toEqual([...Array(40).keys()]);
    expect(rows.map((r) => Number(r.seq))).toEqual(published.map((e) => e.seq));

    // Parsed on the connection now: the next large write goes as EXECUTE with its BEGIN and COMMIT
    // in one round trip, its payloads (quotes, backslashes, non-ASCII) written as one literal.
    published.length = 0;
    sent.length = 0;
    const odd = `it's a \\ back\\slash, "quoted", \n, ünïcødé ✓`;
    await tx.run(async ({ emit }) => {
      for (let i = 0; i < 40; i++) emit({ type: 'queue.stats', conversationId: null, payload: { teams: [], i, odd } } as never);
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^START TRANSACTION;\nEXECUTE "outbox_append_many_json(_\d+)?"\(.*\);\nCOMMIT$/s);
    const again = await queryRows<{ i: number; odd: string }>(
      ds.manager,
      `SELECT (payload->>'i')::int AS i, payload->>'odd' AS odd FROM outbox_events WHERE seq = ANY($1::bigint[]) ORDER BY seq`,
      [published.map((e) => e.seq)],
    );
    expect(again).toEqual([...Array(40).keys()].map((i) => ({ i, odd })));
  });

  it('commitWith: the last statement travels with the outbox rows and the COMMIT, or fails the whole transaction', async () => {
    const LAST = prepared('test_tx_probe_last', `INSERT INTO tx_probe (id, label) SELECT v.id, v.label FROM unnest($1::int[], $2::text[]) AS v(id, label)`);
    const event = (i: number) => ({ type: 'queue.stats', conversationId: null, payload: { teams: [], i } }) as never;
    // Not parsed on this connection yet: the BEGIN and the statement on their own (it parses
    // there), then the outbox rows with the COMMIT.
    await tx.run(async ({ commitWith, emit }) => {
      emit(event(1));
      commitWith(LAST, [[20], ['last, first time']]);
    });
    expect(sent).toHaveLength(3);
    expect(sent[1]).toBe(LAST.text);
    expect(sent[2]).toMatch(/^INSERT INTO outbox_events .*;\nCOMMIT$/s);
    expect(await labels([20])).toEqual(['last, first time']);

    // Parsed: after the work's statements, one round trip for the rest.
    sent.length = 0;
    published.length = 0;
    await tx.run(async ({ em, commitWith, emit }) => {
      await queryRows(em, READ, [[20]]);
      emit(event(2));
      commitWith(LAST, [
        [21, 22],
        ["it's last", 'and last'],
      ]);
    });
    expect(sent.slice(-1)[0]).toMatch(/^EXECUTE "test_tx_probe_last(_\d+)?"\(.*\);\nINSERT INTO outbox_events .*;\nCOMMIT$/s);
    expect(await labels([21, 22])).toEqual(["it's last", 'and last']);
    expect(published).toHaveLength(1);
    const [row] = await queryRows<{ i: number }>(ds.manager, `SELECT (payload->>'i')::int AS i FROM outbox_events WHERE seq = $1`, [published[0].seq]);
    expect(row.i).toBe(2);

    // A work that sent nothing: the BEGIN goes with it too.
    sent.length = 0;
    await tx.run(async ({ commitWith }) => commitWith(LAST, [[23], ['alone']]));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^START TRANSACTION;\nEXECUTE "test_tx_probe_last(_\d+)?"\(.*\);\nCOMMIT$/s);

    // It fails: nothing of the transaction stays (the work's own write, the outbox rows) and no
    // event is published; the connection comes back clean.
    published.length = 0;
    const failed = await tx
      .run(async ({ em, commitWith, emit }) => {
        await queryRows(em, INSERT, [24, 'written by the work']);
        emit(event(3));
        commitWith(LAST, [[21], ['a duplicate']]);
      })
      .catch((err: unknown) => err);
    expect((failed as { driverError: { code: string } }).driverError.code).toBe('23505');
    expect(String((failed as Error).message)).not.toContain('a duplicate');
    expect(await labels([21, 24])).toEqual(["it's last"]);
    expect(published).toEqual([]);
    await expect(tx.run(async ({ commitWith }) => (commitWith(LAST, [[25], ['x']]), commitWith(LAST, [[26], ['y']])))).rejects.toThrow('one last statement');
    expect(await labels([25, 26])).toEqual([]);
  });

  it('goes through a query method set on the connection itself (instrumentation) and puts it back', async () => {
    // The pool's one connection, as the transactions will get it.
    const runner = ds.createQueryRunner();
    const client = (await runner.connect()) as Client;
    await runner.release();
    const seen: string[] = [];
    const instrumented = recording(seen, Client.prototype.query);
    Object.defineProperty(client, 'query', { value: instrumented, writable: true, configurable: true });
    try {
      await tx.run(async ({ em }) => {
        await queryRows(em, READ, [[1]]);
        await queryRows(em, READ, [[2]]);
      });
      expect(seen).toHaveLength(3);
      expect(seen[0]).toMatch(/^START TRANSACTION;\nEXECUTE "test_tx_probe_read"/);
      expect(Object.getOwnPropertyDescriptor(client, 'query')?.value).toBe(instrumented);
    } finally {
      delete (client as Partial<Client>).query;
    }
  });

  it('sends parsed statements together in one round trip (with the BEGIN), each seeing what committed while the ones before it waited', async () => {
    const LOCK = prepared('test_tx_probe_lock', `SELECT id FROM tx_probe WHERE id = $1 FOR UPDATE`);
    const COUNT = prepared('test_tx_probe_count', `SELECT count(*)::int AS n FROM tx_probe WHERE id >= $1`);
    const together = () => tx.run(async ({ em }) => queryRowsTogether<[{ id: number }, { n: number }]>(em, [LOCK, [1]], [COUNT, [100]]), GENERIC_PLANS);
    // Not parsed on the connection yet: one after the other (after their BEGIN), which prepares them.
    expect(await together()).toEqual([[{ id: 1 }], [{ n: 0 }]]);
    expect(sent).toEqual([expect.stringMatching(/^START TRANSACTION; SET LOCAL/), LOCK.text, COUNT.text, 'COMMIT']);

    // Parsed: one simple query with the BEGIN. Another connection holds row 1 while the first
    // statement waits for it, and commits a row the second statement counts: the second
    // statement's snapshot is taken after the first one's lock was granted (one snapshot for
    // the two would count 0).
    const other = new Client({ connectionString: url });
    Object.defineProperty(other, 'query', { value: query, writable: true, configurable: true }); // not recorded
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT id FROM tx_probe WHERE id = 1 FOR UPDATE');
      sent.length = 0;
      const result = together();
      const waiting = async () => {
        // Inside its transaction a backend reads pg_stat_activity once and keeps it: read afresh.
        await other.query('SELECT pg_stat_clear_snapshot()');
        return (await other.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%test_tx_probe_lock%'`)).rows[0].n as number;
      };
      for (let i = 0; i < 200 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await waiting()).toBe(1);
      await other.query(`INSERT INTO tx_probe (id, label) VALUES (100, 'committed while the lock was awaited')`);
      await other.query('COMMIT');
      expect(await result).toEqual([[{ id: 1 }], [{ n: 1 }]]);
    } finally {
      await other.end();
    }
    expect(sent).toEqual([
      `START TRANSACTION; SET LOCAL plan_cache_mode = force_generic_plan;\nEXECUTE "test_tx_probe_lock"('1');\nEXECUTE "test_tx_probe_count"('100')`,
      'COMMIT',
    ]);

    // Not first in its transaction: the statements alone, one round trip; an error is any statement's.
    sent.length = 0;
    const failed = await tx
      .run(async ({ em }) => {
        await queryRows(em, READ, [[1]]);
        await queryRowsTogether<[{ id: number }, { id: number }]>(em, [LOCK, [1]], [INSERT, [1, 'duplicate']]);
      })
      .catch((err: unknown) => err);
    expect((failed as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('23505');
    expect(sent).toContain(`EXECUTE "test_tx_probe_lock"('1');\nEXECUTE "test_tx_probe_insert"('1', 'duplicate')`);
    await ds.query(`DELETE FROM tx_probe WHERE id = 100`);
  });

  it('reports a first statement whose table changed shape as retryable, and the retry answers', async () => {
    const READ_ALL = prepared('test_tx_probe_all', `SELECT * FROM tx_probe WHERE id = $1`);
    expect(await queryRows(ds.manager, READ_ALL, [1])).toEqual([{ id: 1, label: 'first' }]);
    await ds.query(`ALTER TABLE tx_probe ADD COLUMN note text`);
    const attempt = () => tx.run(async ({ em }) => queryRows(em, READ_ALL, [1]));
    const failed = await attempt().catch((err: unknown) => err);
    expect(isRetryableConflict(failed)).toBe(true);
    expect(await attempt()).toEqual([{ id: 1, label: 'first', note: null }]);

    // Statements sent together outside a transaction: prepared again under new names and answered.
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      const COUNT_ALL = prepared('test_tx_probe_count_all', `SELECT count(*)::int AS n FROM tx_probe`);
      const together = () => queryRowsTogether<[object, { n: number }]>(runner.manager, [READ_ALL, [1]], [COUNT_ALL, []]);
      await together(); // parses both on this connection
      await runner.query(`ALTER TABLE tx_probe ADD COLUMN flag boolean`);
      sent.length = 0;
      expect(await together()).toEqual([[{ id: 1, label: 'first', note: null, flag: null }], [{ n: expect.any(Number) }]]);
      expect(sent[0]).toMatch(/^EXECUTE "test_tx_probe_all(_\d+)?"\('1'\);\nEXECUTE "test_tx_probe_count_all(_\d+)?"$/);
      expect(sent.length).toBeGreaterThan(1);
    } finally {
      await runner.release();
    }
  });
  it('nestedLoops: a generic plan made while a table is small looks each key up (it stays cached as the table grows)', async () => {
    await ds.query(`CREATE TABLE tx_join (id int PRIMARY KEY, label text NOT NULL)`);
    await ds.query(`INSERT INTO tx_join SELECT i, 'row ' || i FROM generate_series(1, 50) i`);
    // The generic plan of a batch joined to the table by key, as this transaction would cache it.
    const planOf = (opts: RunOptions) =>
      tx.run(async ({ em }) => {
        await em.query(`PREPARE tx_join_probe(int[]) AS UPDATE tx_join t SET label = v.label FROM unnest($1, ARRAY['x']) AS v(id, label) WHERE t.id = v.id`);
        try {
          const rows = await em.query<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN (COSTS OFF) EXECUTE tx_join_probe('{1}')`);
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        } finally {
          await em.query(`DEALLOCATE tx_join_probe`);
        }
      }, opts);
    // Without: the whole table is read (hashed or kept in memory) for one key.
    expect(await planOf(GENERIC_PLANS)).toMatch(/Seq Scan on tx_join/);
    const plan = await planOf({ genericPlans: true, nestedLoops: true });
    expect(plan).toMatch(/Index Scan using tx_join_pkey on tx_join/);
    expect(plan).not.toMatch(/Seq Scan|Hash|Materialize/);
    expect(sent.find((t) => t.includes('enable_material'))).toMatch(
      /^START TRANSACTION; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_material = off;/,
    );
  });
});
