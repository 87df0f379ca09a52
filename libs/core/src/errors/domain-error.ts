/**
 * Every failure a client can see carries one of these codes. The HTTP filter and
 * the socket ack map them in one place (see error-status.ts), exhaustively.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONVERSATION_NOT_FOUND',
  'MESSAGE_NOT_FOUND',
  'INBOX_NOT_FOUND',
  'USER_NOT_FOUND',
  'TEAM_NOT_FOUND',
  'CONTACT_NOT_FOUND',
  'BOT_NOT_FOUND',
  'CONFLICT',
  'EMAIL_TAKEN',
  'NAME_TAKEN',
  'ALREADY_MEMBER',
  'INVALID_STATE',
  'AGENT_AT_CAPACITY',
  'AGENT_NOT_ELIGIBLE',
  'OFFER_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'CHANNEL_NOT_SUPPORTED',
  'UNKNOWN_EVENT',
  'UPSTREAM_FAILED',
  'OUTBOUND_ADDRESS_REFUSED',
  'DATABASE_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: 'conversation' | 'message' | 'inbox' | 'user' | 'team' | 'contact' | 'bot', id: string) =>
  new DomainError(`${what.toUpperCase()}_NOT_FOUND` as ErrorCode, `${what} ${id} not found`, { id });
