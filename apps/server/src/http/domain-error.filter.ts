import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { redactUrl } from './log-redaction';
import { DATABASE_RETRY_AFTER_SECONDS, DomainError, ErrorCode, httpStatusFor, isDatabaseUnavailable } from '@inbox/core';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
};

/** The one place where errors become HTTP responses: `{statusCode, code, message, details?}`. */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(err: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse();
    const req = ctx.getRequest();
    const { status, body } = toResponse(err);
    if (status >= 500) this.logger.error({ err, reqId: req.id, path: redactUrl(req.url) }, 'unhandled error');
    const retryAfter = (body.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (typeof retryAfter === 'number' && (status === 429 || status === 503)) res.setHeader('retry-after', String(Math.ceil(retryAfter)));
    res.status(status).json({ ...body, requestId: req.id });
  }
}

export function toResponse(err: unknown): { status: number; body: { statusCode: number; code: ErrorCode; message: string; details?: unknown } } {
  if (err instanceof DomainError) {
    const status = httpStatusFor(err.code);
    return { status, body: { statusCode: status, code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message = typeof response === 'string' ? response : ((response as { message?: string }).message ?? err.message);
    return { status, body: { statusCode: status, code: STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED'), message: String(message) } };
  }
  // A database that is down, frozen or overloaded: clients should retry, not report a bug.
  if (isDatabaseUnavailable(err)) {
    return {
      status: 503,
      body: { statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: 'the database is unavailable; retry shortly', details: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS } },
    };
  }
  // body-parser errors carry status and type.
  const e = err as { status?: number; type?: string; message?: string };
  if (e?.type === 'entity.too.large') return { status: 413, body: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body is too large' } };
  // A body whose content-encoding lies (labelled gzip, not gzip): zlib fails inside the body parser.
  if (e?.status === 400 && /^Z_/.test(String((err as { code?: unknown }).code ?? ''))) {
    return {
      status: 400,
      body: {
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: 'content-encoding: the body is not encoded as declared',
        details: { fields: { 'content-encoding': ['the body is not encoded as declared'] } },
      },
    };
  }
  if (e?.type === 'entity.parse.failed') return { status: 400, body: { statusCode: 400, code: 'VALIDATION_FAILED', message: 'request body is not valid JSON' } };
  if (e?.type && e.status && e.status >= 400 && e.status < 500)
    return { status: e.status, body: { statusCode: e.status, code: STATUS_CODES[e.status] ?? 'VALIDATION_FAILED', message: e.message ?? 'bad request' } };
  return { status: 500, body: { statusCode: 500, code: 'INTERNAL', message: 'internal error' } };
}
