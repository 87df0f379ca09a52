import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { DomainError } from './domain-error';

function collect(errors: ValidationError[], prefix = '', out: Record<string, string[]> = {}): Record<string, string[]> {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out[path] = Object.values(e.constraints);
    if (e.children?.length) collect(e.children, path, out);
  }
  return out;
}

/** class-validator's errors as one VALIDATION_FAILED (400) naming the first bad field, every field's messages in `details.fields`. */
export function validationFailed(errors: ValidationError[], fallback = 'request is invalid'): DomainError {
  const fields = collect(errors);
  const first = Object.entries(fields)[0];
  return new DomainError('VALIDATION_FAILED', first ? `${first[0]}: ${first[1][0]}` : fallback, { fields });
}

/**
 * Validates one item of a batch by the same rules as the global pipe, without throwing: a batch
 * answers each bad item in its place (400 with its field messages) and goes on with the others.
 */
export function validateItem<T extends object>(cls: new () => T, plain: unknown): { value: T } | { error: DomainError } {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return { error: new DomainError('VALIDATION_FAILED', 'each item must be an object') };
  const value = plainToInstance(cls, plain);
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  return errors.length ? { error: validationFailed(errors, 'item is invalid') } : { value };
}
