/**
 * PostgreSQL error codes (SQLSTATE) the code reacts to, named once. The driver puts the code on
 * the error itself (pg) or on `driverError` (TypeORM's QueryFailedError).
 */
export const PG = {
  UNIQUE_VIOLATION: '23505',
  FOREIGN_KEY_VIOLATION: '23503',
  CHECK_VIOLATION: '23514',
  DEADLOCK_DETECTED: '40P01',
  SERIALIZATION_FAILURE: '40001',
} as const;

export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null | undefined;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

export const isUniqueViolation = (err: unknown): boolean => pgErrorCode(err) === PG.UNIQUE_VIOLATION;
export const isForeignKeyViolation = (err: unknown): boolean => pgErrorCode(err) === PG.FOREIGN_KEY_VIOLATION;

/** A deadlock victim or a serialization failure: the transaction was rolled back whole and may simply run again. */
export function isRetryableConflict(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code === PG.DEADLOCK_DETECTED || code === PG.SERIALIZATION_FAILURE;
}
