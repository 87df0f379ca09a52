/**
 * Timeouts for every PostgreSQL pool of the process (TypeORM's and pg-boss's), so a database
 * that stops answering without closing connections (a partition, a frozen primary) turns into
 * errors within a bounded time instead of requests that hang:
 * - `connectionTimeoutMillis`: waiting for a connection, new or from an exhausted pool;
 * - `statement_timeout`: enforced by the server, for a slow query on a live server;
 * - `query_timeout`: enforced by the client, for a server that does not answer at all (a frozen
 *   server cannot enforce its own statement_timeout); a little longer so the server's own, clearer
 *   error wins whenever the server is alive. The application's pool (appPoolTimeoutOptions) has
 *   the same limit as AutoPreparingClient's `readTimeoutMillis` instead;
 * - `keepAlive`: the kernel notices a dead peer on idle connections;
 * - `idleTimeoutMillis`: idle connections are closed and reopened rather than kept forever.
 */
export interface DatabaseTimeouts {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export function poolTimeoutOptions(t: DatabaseTimeouts): Record<string, unknown> {
  return {
    connectionTimeoutMillis: t.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: t.statementTimeoutMs,
    query_timeout: t.statementTimeoutMs + 1_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/**
 * The application pool's options (TypeORM's, whose client is AutoPreparingClient): the same
 * timeouts, with the client's read timeout kept by AutoPreparingClient rather than by pg's
 * `query_timeout`, whose per-statement wrapper V8 allocates in the old generation (see
 * AutoPreparingClient).
 */
export function appPoolTimeoutOptions(t: DatabaseTimeouts): Record<string, unknown> {
  const { query_timeout: readTimeoutMillis, ...rest } = poolTimeoutOptions(t);
  return { ...rest, readTimeoutMillis };
}
