import { ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DomainError } from '@inbox/core';

function collect(errors: ValidationError[], prefix = '', out: Record<string, string[]> = {}): Record<string, string[]> {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out[path] = Object.values(e.constraints);
    if (e.children?.length) collect(e.children, path, out);
  }
  return out;
}

/** 400 with field-level messages; unknown fields are rejected rather than silently dropped. */
export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => {
    const fields = collect(errors);
    const first = Object.entries(fields)[0];
    return new DomainError('VALIDATION_FAILED', first ? `${first[0]}: ${first[1][0]}` : 'request is invalid', { fields });
  },
});

/**
 * Validates one item of a batch by the same rules as the pipe, without throwing: a batch answers
 * each bad item in its place (400 with its field messages) and goes on with the others.
 */
export function validateItem<T extends object>(cls: new () => T, plain: unknown): { value: T } | { error: DomainError } {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return { error: new DomainError('VALIDATION_FAILED', 'each item must be an object') };
  const value = plainToInstance(cls, plain);
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  if (!errors.length) return { value };
  const fields = collect(errors);
  const first = Object.entries(fields)[0];
  return { error: new DomainError('VALIDATION_FAILED', first ? `${first[0]}: ${first[1][0]}` : 'item is invalid', { fields }) };
}
