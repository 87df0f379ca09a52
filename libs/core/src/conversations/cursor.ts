import { DomainError } from '../errors/domain-error';

export function encodeCursor(v: object): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

const CURSOR_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Cursors are opaque to clients but not trusted: every field must be what this API puts there
 * (`id` a UUID, `…At` a timestamp), or the database would fail on the cast with a 500.
 */
export function decodeCursor<T>(s: string, field = 'cursor'): T {
  const invalid = () => new DomainError('VALIDATION_FAILED', `${field} is not valid`, { fields: { [field]: ['not a cursor returned by this API'] } });
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid();
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' || x.length > 64) throw invalid();
    if (k === 'id' && !CURSOR_UUID.test(x)) throw invalid();
    if (k.endsWith('At') && !(CURSOR_TIME.test(x) && Number.isFinite(Date.parse(x)))) throw invalid();
  }
  if (typeof (v as { id?: unknown }).id !== 'string') throw invalid();
  return v as T;
}
