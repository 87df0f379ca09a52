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
    default:
      return assertUnreachable(code);
  }
}
