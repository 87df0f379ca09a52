import { classifyConnectionError } from './email-connection';
import { fromName, smtpFailure } from './email-channel.adapter';
import { reconnectDelay } from './mailbox-watcher';

describe('SMTP failures', () => {
  it.each([
    [{ responseCode: 550, response: '550 5.1.1 User unknown' }, true],
    [{ responseCode: 554, response: '554 rejected' }, true],
    [{ responseCode: 451, response: '451 try later' }, false],
    [{ responseCode: 421, response: '421 busy' }, false],
    [{ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }, false],
    [{ code: 'ETIMEDOUT', message: 'timeout' }, false],
    [{ code: 'EAUTH', message: 'Invalid login' }, true],
  ])('treats %p as permanent=%p', (err, permanent) => {
    expect(smtpFailure(err).permanent).toBe(permanent);
  });

  it('keeps the server text in the reason', () => {
    expect(smtpFailure({ responseCode: 550, response: '550 5.7.1 policy' }).reason).toBe('SMTP 550: 550 5.7.1 policy');
  });
});

describe('From display name', () => {
  it.each([
    ['Ana', 'Support', 'Ana via Support'],
    [null, 'Support', 'Support'],
    ['Evil "<x@y>"\r\n', 'Support', 'Evil x@y via Support'],
  ])('%p in %p → %p', (agent, inbox, expected) => {
    expect(fromName(agent, inbox)).toBe(expected);
  });
});

describe('connection errors an admin can act on', () => {
  it.each([
    [{ authenticationFailed: true, message: 'Authentication failed.' }, 'auth_failed'],
    [{ code: 'EAUTH', responseCode: 535, message: 'Invalid login' }, 'auth_failed'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'host_unreachable'],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND nope.invalid' }, 'host_unreachable'],
    [{ code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'wrong version number' }, 'tls_mismatch'],
    [{ code: 'CONNECT_TIMEOUT', message: 'Failed to establish connection in required time' }, 'timeout'],
  ])('%p is %p', (err, problem) => {
    expect(classifyConnectionError(err, 'IMAP', 'h', 1).problem).toBe(problem);
  });
});

describe('reconnect backoff', () => {
  it('doubles from half a second up to 30 s, with jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 6, 20].map((n) => reconnectDelay(n, mid))).toEqual([500, 1000, 2000, 4000, 30000, 30000]);
    expect(reconnectDelay(0, () => 0)).toBe(375);
    expect(reconnectDelay(0, () => 1)).toBe(625);
  });
});
