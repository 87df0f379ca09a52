import { EntityManager } from 'typeorm';

/**
 * Rows of any statement, typed by the caller with the columns it selects: `queryRows<ContactRow>(em, sql, params)`.
 * TypeORM's postgres driver returns `[rows, rowCount]` for UPDATE and DELETE but plain rows otherwise;
 * RETURNING clauses need the rows. ESLint (eslint.config.mjs, TYPED_SQL_ROWS) refuses a call without a row type.
 */
export async function queryRows<Row extends object>(em: EntityManager, sql: string, params: unknown[] = []): Promise<Row[]> {
  const result = await em.query<unknown>(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as Row[];
  return result as Row[];
}

/** The number of rows an UPDATE or DELETE (without RETURNING) touched. */
export async function affectedRows(em: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const result = await em.query<unknown>(sql, params);
  return Array.isArray(result) && result.length === 2 && typeof result[1] === 'number' ? result[1] : 0;
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
