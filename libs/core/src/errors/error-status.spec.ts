import { ERROR_CODES } from './domain-error';
import { httpStatusFor } from './error-status';

describe('httpStatusFor', () => {
  it('maps every error code to a 4xx or 5xx status', () => {
    for (const code of ERROR_CODES) {
      const status = httpStatusFor(code);
      expect(status >= 400 && status < 600).toBe(true);
    }
  });

  it.each([
    ['VALIDATION_FAILED', 400],
    ['OUTBOUND_ADDRESS_REFUSED', 400],
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN', 403],
    ['CONVERSATION_NOT_FOUND', 404],
    ['AGENT_AT_CAPACITY', 409],
    ['PAYLOAD_TOO_LARGE', 413],
    ['RATE_LIMITED', 429],
  ] as const)('%s is %d', (code, status) => {
    expect(httpStatusFor(code)).toBe(status);
  });
});
