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
  FEATURE_NOT_SUPPORTED: '0A000',
} as const;

export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null | undefined;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

export const isUniqueViolation = (err: unknown): boolean => pgErrorCode(err) === PG.UNIQUE_VIOLATION;
export const isForeignKeyViolation = (err: unknown): boolean => pgErrorCode(err) === PG.FOREIGN_KEY_VIOLATION;

/**
 * A deadlock victim, a serialization failure, or a prepared statement whose tables changed shape
 * (a migration by a newer replica; `queryRows` prepares it afresh next time): the transaction was
 * rolled back whole and may simply run again.
 */
export function isRetryableConflict(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code === PG.DEADLOCK_DETECTED || code === PG.SERIALIZATION_FAILURE || isStalePlan(err);
}

/** PostgreSQL refused a prepared statement because a table it reads changed shape since it was planned. */
export function isStalePlan(err: unknown): boolean {
  return pgErrorCode(err) === PG.FEATURE_NOT_SUPPORTED && /cached plan must not change result type/.test((err as Error | null)?.message ?? '');
}
