import { Logger } from '@nestjs/common';
import { escapeIdentifier, type ClientBase, type Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { autoPreparedStatements } from './auto-prepare';
import { preparedStatementsNow, preparedStatementsOn, quoteLiteral, type PreparedStatement } from './sql';

const logger = new Logger('DatabasePool');

/** What warming one connection did. */
export interface Warmth {
  /** Statements prepared and planned on the connection. */
  prepared: number;
  /** Statements PostgreSQL refused to prepare (a text that no longer matches the schema): each is prepared on first use instead, and fails there as it would have. */
  failed: string[];
}

type Parsed = Record<string, string>;
const parsedOf = (client: ClientBase): Parsed | undefined => (client as unknown as { connection?: { parsedStatements?: Parsed } }).connection?.parsedStatements;

/**
 * Prepares and plans `statements` on a connection before it serves anything, so its first
 * requests cost what later ones do.
 *
 * A new PostgreSQL backend knows nothing: the first time it runs a statement it loads every
 * table, index, constraint, trigger, type and function the statement touches into its catalog
 * caches, parses and plans it. Measured under load (`npx node bench/profile-latency.mjs 3000
 * --rate=100 --agents=8 --warm=5`): a new connection's first ingest statement took 24.6 ms where a
 * warm one takes about 1.5 ms, its first assignment 6 ms, a repeated statement's first use 12 to
 * 16 ms; the pool opened two connections during that run, 2.06 and 7.06 s in, and each time the
 * messages sent in the next 0.1 s were among the run's slowest (README, twenty-fifth wave).
 *
 * In three round trips: the PREPAREs as one query (what pg's named statements do on first use:
 * PostgreSQL infers the parameters' types the same way), the names PostgreSQL kept, and an
 * EXPLAIN EXECUTE of each under `force_generic_plan` in a transaction rolled back, which builds
 * and caches each one's generic plan without running it. pg is then told the names are parsed
 * (its `parsedStatements`), so it binds them without parsing again, exactly as after a first use.
 */
export async function warmConnection(client: ClientBase, statements: readonly PreparedStatement[]): Promise<Warmth> {
  const parsed = parsedOf(client);
  const fresh = statements.filter((s) => parsed && parsed[s.name] === undefined);
  if (!parsed || !fresh.length) return { prepared: 0, failed: [] };
  const prepare = (list: readonly PreparedStatement[]) => client.query<Record<string, never>>(list.map((s) => `PREPARE ${escapeIdentifier(s.name)} AS ${s.text}`).join(';\n'));
  const kept = async () => {
    const { rows } = await client.query<{ name: string; params: number }>(
      `SELECT name, cardinality(parameter_types) AS params FROM pg_prepared_statements WHERE name IN (${fresh.map((s) => quoteLiteral(s.name)).join(', ')})`,
    );
    return new Map(rows.map((r) => [r.name, Number(r.params)]));
  };
  const failed: string[] = [];
  let params: Map<string, number>;
  try {
    await prepare(fresh);
    params = await kept();
  } catch {
    // One text refused: PostgreSQL skipped the rest of the query. The others one at a time, each on its own.
    params = await kept();
    for (const s of fresh.filter((f) => !params.has(f.name))) {
      try {
        await prepare([s]);
      } catch {
        failed.push(s.name);
      }
    }
    params = await kept();
  }
  const ready = fresh.filter((s) => params.has(s.name));
  for (const s of ready) parsed[s.name] = s.text;
  if (ready.length) {
    const explains = ready.map((s) => {
      const n = params.get(s.name) ?? 0;
      return `EXPLAIN EXECUTE ${escapeIdentifier(s.name)}${n ? `(${Array.from({ length: n }, () => 'NULL').join(', ')})` : ''}`;
    });
    try {
      await client.query(`BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; ${explains.join('; ')}; ROLLBACK`);
    } catch {
      // A plan refused (the plans are only a head start): the transaction is aborted, end it. Each statement plans on first use.
      await client.query('ROLLBACK');
    }
  }
  return { prepared: ready.length, failed };
}

/**
 * pg-pool's `onConnect` hook for the application's pool: a new connection prepares and plans the
 * statements named with `prepared` and those this process has named since (AutoPreparingClient)
 * before the pool lends it. pg-pool runs it once the connection is made, with its connection timer
 * stopped, so the warming has its own: past `timeoutMs` (the connect timeout) the connection is
 * closed and the waiter gets the error a connection that could not be made gets (a database that
 * froze between the handshake and the first statement answers 503 as soon as it did before).
 * A statement PostgreSQL refuses is logged and left to its first use; a connection that fails
 * while warming is discarded by the pool, and the waiter gets its error.
 */
export function warmOnConnect(timeoutMs: number): (client: ClientBase) => Promise<void> {
  return async (client) => {
    if (!preparedStatementsOn()) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
        reject(new Error('Connection terminated due to connection timeout (while preparing its statements)'));
      }, timeoutMs);
    });
    const warming = warmConnection(client, [...preparedStatementsNow(), ...autoPreparedStatements()]);
    warming.catch(() => undefined);
    try {
      const { failed } = await Promise.race([warming, deadline]);
      if (failed.length) logger.warn({ statements: failed }, 'statements PostgreSQL refused to prepare on a new connection');
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Opens every connection of the application's pool (each warms itself: `warmOnConnect`) and
 * returns them to it, where `min` keeps them: a server that says it is ready serves its first
 * burst on warm connections, and growing under load never opens a cold one in the middle of it.
 * What PostgreSQL refuses (max_connections reached) stays closed: the pool opens it on demand, as
 * before. Pools hold `max` connections from the start (HikariCP's advice for its own pools: a
 * fixed-size pool, for responsiveness to spikes).
 */
export async function openAllConnections(ds: DataSource): Promise<{ open: number; of: number; ms: number }> {
  const pool = (ds.driver as unknown as { master?: Pool & { options: { max: number } } }).master;
  if (!pool) return { open: 0, of: 0, ms: 0 };
  const started = performance.now();
  const of = pool.options.max;
  const got = await Promise.allSettled(Array.from({ length: of }, () => pool.connect()));
  for (const r of got) if (r.status === 'fulfilled') r.value.release();
  return { open: pool.totalCount, of, ms: Math.round(performance.now() - started) };
}
