import { ErrorCode } from './domain-error';

function assertUnreachable(x: never): never {
  throw new Error(`unmapped error code ${String(x)}`);
}

/** The one place where a domain error code becomes an HTTP status. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'CHANNEL_NOT_SUPPORTED':
    case 'UNKNOWN_EVENT':
    case 'OUTBOUND_ADDRESS_REFUSED':
      return 400;
    case 'UNAUTHENTICATED':
    case 'INVALID_CREDENTIALS':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
    case 'CONVERSATION_NOT_FOUND':
    case 'MESSAGE_NOT_FOUND':
    case 'INBOX_NOT_FOUND':
    case 'USER_NOT_FOUND':
    case 'TEAM_NOT_FOUND':
    case 'CONTACT_NOT_FOUND':
    case 'BOT_NOT_FOUND':
    case 'OFFER_NOT_FOUND':
      return 404;
    case 'CONFLICT':
    case 'EMAIL_TAKEN':
    case 'NAME_TAKEN':
    case 'ALREADY_MEMBER':
    case 'INVALID_STATE':
    case 'AGENT_AT_CAPACITY':
    case 'AGENT_NOT_ELIGIBLE':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'RATE_LIMITED':
      return 429;
    case 'INTERNAL':
      return 500;
    case 'UPSTREAM_FAILED':
      return 502;
    case 'DATABASE_UNAVAILABLE':
      return 503;
    default:
      return assertUnreachable(code);
  }
}

/** Seconds a client should wait before retrying after DATABASE_UNAVAILABLE (the `Retry-After` header). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

// SQLSTATEs that mean "the database cannot serve now", not "this request is wrong": class 08
// (connection exception), 53300 too many connections, 57014 statement timeout (query_canceled),
// 57P01..57P03 shutting down or not accepting connections yet, 58000/58030 system and I/O errors.
const UNAVAILABLE_SQLSTATES = new Set(['53300', '57014', '57P01', '57P02', '57P03', '58000', '58030']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres reports its own timeouts and dropped connections by message only.
const UNAVAILABLE_MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/, /^Query read timeout/, /is not queryable/, /^Connection ended unexpectedly/];

/**
 * Whether an error means the database is unreachable, frozen, overloaded or timing out: answered
 * with 503 + Retry-After (clients retry) rather than 500. TypeORM wraps driver errors
 * (`driverError`); constraint violations and bad SQL are not unavailability.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^08[0-9A-Z]{3}$/.test(code) || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return true;
  return isDatabaseUnavailable(e.driverError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}
