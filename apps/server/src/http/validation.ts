import { ValidationError, ValidationPipe } from '@nestjs/common';
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
