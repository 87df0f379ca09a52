import { OutboundAddressRefusedError } from '@inbox/core';
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

  it.each([
    [{ responseCode: 550, response: '550 5.7.1 Rejected by policy at relay.internal 10.0.0.7' }, 'SMTP 550 5.7.1: the server refused the message'],
    [{ responseCode: 451, response: '451 Try later (greylisted by mx.corp)' }, 'SMTP 451: the server asked to try again later'],
    [{ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Bad credentials for user x' }, 'SMTP 535 5.7.8: authentication failed'],
    [{ code: 'ESOCKET', message: 'connect ECONNREFUSED 203.0.113.5:25' }, 'SMTP connection refused'],
    [{ code: 'ETIMEDOUT', message: 'Connection timeout' }, 'SMTP timed out; a TLS setting that does not match the port often looks like this'],
    [{ code: 'ETLS', message: 'Error initiating TLS - 454 TLS not available (Postfix 3.7 on gw.internal)' }, expect.stringMatching(/^SMTP TLS failed: .*STARTTLS/)],
  ])('names the reply code and what failed, never the server text: %p', (err, reason) => {
    expect(smtpFailure(err).reason).toEqual(reason);
    expect(smtpFailure(err).reason).not.toMatch(/relay|greylist|Bad credentials|203\.0|Postfix|internal/);
  });

  it('fails for good on an address refused by the outbound policy', () => {
    expect(smtpFailure(new OutboundAddressRefusedError('10.0.0.7', 'private'))).toEqual({ permanent: true, reason: 'SMTP server address refused by outbound policy' });
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
    [Object.assign(new Error('Server does not support STARTTLS'), { tlsFailed: true }), 'tls_mismatch'],
    [new OutboundAddressRefusedError('127.0.0.1', 'loopback'), 'address_refused'],
  ])('%p is %p', (err, problem) => {
    expect(classifyConnectionError(err, 'IMAP', 'h', 1).problem).toBe(problem);
  });

  it.each([
    [
      { authenticationFailed: true, message: 'Authentication failed.', responseText: 'Dovecot ready on backend-3 (10.2.0.4)' },
      'IMAP h:1: authentication failed, check the user and password',
    ],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.2.0.4:143' }, 'IMAP h:1: connection refused'],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND h' }, 'IMAP h:1: host not found'],
    [{ code: 'ServerBanner', message: '* BYE SSH-2.0-OpenSSH_9.2p1 Debian-2' }, 'IMAP h:1: connection failed (ServerBanner)'],
    [new Error('+OK redis 7.2.4 ready'), 'IMAP h:1: connection failed'],
  ])('says what failed without the server text: %p', (err, error) => {
    expect(classifyConnectionError(err, 'IMAP', 'h', 1).error).toBe(error);
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
