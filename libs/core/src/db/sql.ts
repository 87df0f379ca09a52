import { EntityManager } from 'typeorm';

/**
 * Rows of any statement. TypeORM's postgres driver returns `[rows, rowCount]` for
 * UPDATE and DELETE but plain rows otherwise; RETURNING clauses need the rows.
 */
export async function queryRows<T = Record<string, any>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await em.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
