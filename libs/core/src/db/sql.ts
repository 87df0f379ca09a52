import { EntityManager } from 'typeorm';

/**
 * Rows of any statement, typed by the caller with the columns it selects: `queryRows<ContactRow>(em, sql, params)`.
 * TypeORM's postgres driver returns `[rows, rowCount]` for UPDATE and DELETE but plain rows otherwise;
 * RETURNING clauses need the rows. ESLint (eslint.config.mjs, TYPED_SQL_ROWS) refuses a call without a row type.
 */
// The default only keeps the files still listed in UNTYPED_SQL_PENDING compiling; lint refuses it everywhere else.
export async function queryRows<Row extends object = Record<string, any>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<Row[]> {
  const result = await em.query<unknown>(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as Row[];
  return result as Row[];
}

/** The number of rows an UPDATE or DELETE (without RETURNING) touched. */
export async function affectedRows(em: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const result = await em.query<unknown>(sql, params);
  return Array.isArray(result) && result.length === 2 && typeof result[1] === 'number' ? result[1] : 0;
}
