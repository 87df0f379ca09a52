import { ValidationPipe } from '@nestjs/common';
import { validationFailed } from '@inbox/core';

/** 400 with field-level messages; unknown fields are rejected rather than silently dropped. */
export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => validationFailed(errors),
});
