import { escapeIdentifier, type ClientBase, type QueryResult } from 'pg';
import { prepareValue } from 'pg/lib/utils';
import { EntityManager, QueryFailedError } from 'typeorm';
import { isStalePlan } from './pg-errors';

/**
 * A statement PostgreSQL parses and plans once per connection, then only binds and executes (a
 * named prepared statement of the extended protocol; pg keeps the names it prepared per
 * connection). For the statements of every ingest and routing pass: their planning was a third
 * of the database's time (the ingest CTE: 2.2 ms a transaction as text, 1.3 ms prepared).
 * Names are unique per text, checked when the module loads.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const preparedTexts = new Map<string, string>();
let preparing = true;

export function prepared(name: string, text: string): PreparedStatement {
  const known = preparedTexts.get(name);
  if (known !== undefined && known !== text) throw new Error(`prepared statement "${name}" is defined twice with different text`);
  preparedTexts.set(name, text);
  return Object.freeze({ name, text });
}

/** DATABASE_PREPARED_STATEMENTS=false: plain text, for poolers that cannot keep named statements. */
export function usePreparedStatements(on: boolean): void {
  preparing = on;
}

export function preparedStatementsOn(): boolean {
  return preparing;
}

/**
 * Bumped when PostgreSQL refuses a prepared statement whose tables changed shape under it (a
 * rolling deploy's migration on another replica): the next use prepares under a new name.
 */
let generation = 0;

/** The name a prepared statement goes by on the connections now (see `generation`). */
const nameOf = (sql: PreparedStatement) => (generation ? `${sql.name}_${generation}` : sql.name);

/** Every statement named with `prepared`, under the name it goes by now: what a new connection prepares before it serves (warm-connection.ts). */
export function preparedStatementsNow(): PreparedStatement[] {
  return [...preparedTexts].map(([name, text]) => ({ name: nameOf({ name, text }), text }));
}

async function run(em: EntityManager, sql: string | PreparedStatement, params: unknown[]): Promise<unknown> {
  if (typeof sql === 'string' || !preparing) return em.query<unknown>(typeof sql === 'string' ? sql : sql.text, params);
  // pg takes a query config object where TypeORM passes the text through; a fresh object each time (pg adds the values to it).
  const named = () => ({ name: nameOf(sql), text: sql.text }) as unknown as string;
  try {
    return await em.query<unknown>(named(), params);
  } catch (err) {
    if (!isStalePlan(err)) throw err;
    generation++;
    // Inside a transaction the error has aborted it: the caller's retry (or the client's) gets the new name.
    if (em.queryRunner?.isTransactionActive) throw err;
    return em.query<unknown>(named(), params);
  }
}

/**
 * Rows of any statement, typed by the caller with the columns it selects: `queryRows<ContactRow>(em, sql, params)`.
 * TypeORM's postgres driver returns `[rows, rowCount]` for UPDATE and DELETE but plain rows otherwise;
 * RETURNING clauses need the rows. ESLint (eslint.config.mjs, TYPED_SQL_ROWS) refuses a call without a row type.
 */
export async function queryRows<Row extends object>(em: EntityManager, sql: string | PreparedStatement, params: unknown[] = []): Promise<Row[]> {
  const result = await run(em, sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as Row[];
  return result as Row[];
}

/** The number of rows an UPDATE or DELETE (without RETURNING) touched. */
export async function affectedRows(em: EntityManager, sql: string | PreparedStatement, params: unknown[] = []): Promise<number> {
  const result = await run(em, sql, params);
  return Array.isArray(result) && result.length === 2 && typeof result[1] === 'number' ? result[1] : 0;
}

/**
 * `EXECUTE name('literal', …)` for a named statement already parsed on this connection (sql.ts's
 * `{name, text}` configs only: other query options, a row mode or custom types, are pg's to
 * apply), else null: SQL's EXECUTE runs a protocol-prepared statement and reports its command
 * tag, so it can travel inside a simple-protocol query with other statements. Values that cannot
 * be written as literals (binary data, a NUL character) give null too.
 */
export function executeLiteral(client: ClientBase, config: unknown, values: unknown): string | null {
  if (typeof config !== 'object' || config === null || Object.keys(config).some((k) => k !== 'name' && k !== 'text')) return null;
  const { name, text } = config as { name?: unknown; text?: unknown };
  const parsed = (client as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection?.parsedStatements;
  if (typeof name !== 'string' || typeof text !== 'string' || !parsed || parsed[name] !== text) return null;
  const literals: string[] = [];
  for (const v of Array.isArray(values) ? values : []) {
    const raw = prepareValue(v);
    if (raw === null) literals.push('NULL');
    // A NUL cannot travel inside a simple query's text (the protocol ends the text there); bound as
    // a parameter PostgreSQL refuses it with its own error, which callers handle (batch ingest does).
    else if (typeof raw === 'string' && !raw.includes('\u0000')) literals.push(quoteLiteral(raw));
    else return null;
  }
  return `EXECUTE ${escapeIdentifier(name)}${literals.length ? `(${literals.join(', ')})` : ''}`;
}

/**
 * A string as an SQL literal, exactly as pg's `escapeLiteral` writes it (quotes doubled; with a
 * backslash, an E'' literal with backslashes doubled), by native replaces instead of pg's loop over
 * every character: a batch's outbox rows are a megabyte of JSON.
 */
export function quoteLiteral(s: string): string {
  const quoted = s.replace(/'/g, "''");
  return s.includes('\\') ? ` E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/**
 * `EXECUTE name(literals)` for a prepared statement this manager's connection has already parsed,
 * to travel with other statements in one simple query (Transactions sends a batch's outbox rows
 * with the COMMIT); null when it has not (or a value cannot be a literal): send it on its own.
 * A failure of the query it went in goes through `executeFailed`.
 */
export function executeText(em: EntityManager, sql: PreparedStatement, params: unknown[]): string | null {
  const client = (em.queryRunner as { databaseConnection?: ClientBase } | undefined)?.databaseConnection;
  return client && preparing ? executeLiteral(client, { name: nameOf(sql), text: sql.text }, params) : null;
}

/** A query carrying `executeText` failed: after a stale plan the next use prepares under new names, as `run` does. */
export function executeFailed(err: unknown): void {
  if (isStalePlan(err)) generation++;
}

type Rows<T> = { [K in keyof T]: T[K] extends object ? T[K][] : never };

/**
 * Several prepared statements of one transaction in ONE round trip: `EXECUTE a(…); EXECUTE b(…)` as
 * one simple-protocol query when the connection has parsed each of them already, else one after
 * the other (the first use on a connection prepares them). Each statement still runs on its own:
 * under READ COMMITTED every statement of a multi-statement query takes a new snapshot when it
 * starts, so a statement sees what the locks of the ones before it waited for, as when sent
 * separately. As the transaction's first statement it goes with the BEGIN too (Transactions).
 * The rows of each, in order: `const [a, b] = await queryRowsTogether<[ARow, BRow]>(em, [A, [x]], [B, [y]])`.
 */
export async function queryRowsTogether<T extends object[]>(em: EntityManager, ...parts: { [K in keyof T]: readonly [PreparedStatement, unknown[]] }): Promise<Rows<T>> {
  const client = (em.queryRunner as { databaseConnection?: ClientBase } | undefined)?.databaseConnection;
  const texts = parts.map(([sql, params]) => executeText(em, sql, params));
  if (!client || texts.some((t) => t === null)) {
    const out: object[][] = [];
    for (const [sql, params] of parts) out.push(await queryRows<object>(em, sql, params));
    return out as Rows<T>;
  }
  const text = texts.join(';\n');
  let results: QueryResult<object> | QueryResult<object>[];
  try {
    results = (await client.query<object>(text)) as QueryResult<object> | QueryResult<object>[];
  } catch (err) {
    const error = new QueryFailedError(parts.map(([sql]) => `EXECUTE ${nameOf(sql)}(…)`).join('; '), [], err as Error);
    if (!isStalePlan(err)) throw error;
    // As `run`: prepared again under new names; inside a transaction the error has aborted it, and
    // the caller's retry gets the new names; outside one they are prepared here, one after the other.
    executeFailed(err);
    if (em.queryRunner?.isTransactionActive) throw error;
    return queryRowsTogether<T>(em, ...parts);
  }
  return (Array.isArray(results) ? results : [results]).map((r) => r.rows) as Rows<T>;
}

const memos = new WeakMap<EntityManager, Map<string, Promise<unknown>>>();

/**
 * Reads the same settings (automation rules, SLA policies) once per transaction instead of once
 * per hook call: a batch ingest of 500 messages reads them once. Always fresh: a later transaction
 * reads again. Outside a transaction (the shared manager) nothing is kept.
 */
export function oncePerTransaction<T>(em: EntityManager, key: string, load: () => Promise<T>): Promise<T> {
  if (!em.queryRunner?.isTransactionActive) return load();
  let memo = memos.get(em);
  if (!memo) memos.set(em, (memo = new Map()));
  let value = memo.get(key) as Promise<T> | undefined;
  if (!value) memo.set(key, (value = load()));
  return value;
}

const txSettingsVersion = new WeakMap<EntityManager, string>();
const settingsCache = new WeakMap<object, Map<string, { version: string; value: Promise<unknown> }>>();

/**
 * The settings version (table `settings_version`, bumped by triggers on every change to automation
 * rules and SLA policies) this transaction was started under: ingest reads it with its precheck.
 */
export function useSettingsVersion(em: EntityManager, version: string | null | undefined): void {
  if (version && em.queryRunner?.isTransactionActive) txSettingsVersion.set(em, version);
}

/**
 * Settings read through the process's cache when the transaction knows its settings version (the
 * same version: the same rows), else once per transaction. Cached per database, so two servers in
 * one process (tests) never share. Values are shared between transactions: callers only read them.
 * A change committed after the precheck reaches the next message, as if this one came a moment
 * earlier.
 */
export function settingsPerVersion<T>(em: EntityManager, key: string, load: () => Promise<T>): Promise<T> {
  const version = txSettingsVersion.get(em);
  if (version === undefined) return oncePerTransaction(em, key, load);
  let cache = settingsCache.get(em.connection);
  if (!cache) settingsCache.set(em.connection, (cache = new Map()));
  const hit = cache.get(key);
  if (hit?.version === version) return hit.value as Promise<T>;
  const value = oncePerTransaction(em, key, load);
  const entry = { version, value };
  cache.set(key, entry);
  value.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return value;
}
