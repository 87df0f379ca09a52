import { DomainError } from '@inbox/core';
import { parseEmailInboxInput } from './email-settings';

const valid = {
  address: 'Support@Acme.test',
  imap: { host: 'imap.acme.test', port: 993, secure: true, user: 'support', password: 'p1' },
  smtp: { host: 'smtp.acme.test', port: 587, secure: false, user: 'support', password: 'p2' },
};

const fieldsOf = (input: Record<string, unknown>) => {
  try {
    parseEmailInboxInput(input);
  } catch (err) {
    return Object.keys(((err as DomainError).details as { fields: Record<string, string[]> }).fields).sort();
  }
  return [];
};

describe('email inbox settings', () => {
  it('splits settings and secrets, lower-cases the address, defaults the mailbox', () => {
    const { settings, secrets } = parseEmailInboxInput(valid);
    expect(settings).toEqual({
      address: 'support@acme.test',
      imap: { host: 'imap.acme.test', port: 993, secure: true, user: 'support', mailbox: 'INBOX', allowInsecureAuth: false },
      smtp: { host: 'smtp.acme.test', port: 587, secure: false, user: 'support', allowInsecureAuth: false },
    });
    expect(secrets).toEqual({ imapPassword: 'p1', smtpPassword: 'p2' });
    expect(JSON.stringify(settings)).not.toContain('p1');
  });

  it('keeps plain-text login off unless asked for, per server', () => {
    const { settings } = parseEmailInboxInput({ ...valid, imap: { ...valid.imap, secure: false, port: 143, allowInsecureAuth: true } });
    expect(settings.imap.allowInsecureAuth).toBe(true);
    expect(settings.smtp.allowInsecureAuth).toBe(false);
  });

  it('accepts an SMTP relay without login', () => {
    expect(parseEmailInboxInput({ ...valid, smtp: { host: '127.0.0.1', port: 25 } }).secrets.smtpPassword).toBeNull();
  });

  it.each([
    [{ ...valid, address: 'nope' }, ['address']],
    [{ ...valid, imap: undefined }, ['imap']],
    [{ ...valid, imap: { ...valid.imap, port: 0 } }, ['imap.port']],
    [{ ...valid, imap: { ...valid.imap, host: 'bad host' } }, ['imap.host']],
    [{ ...valid, imap: { ...valid.imap, password: '' } }, ['imap.password']],
    [{ ...valid, imap: { ...valid.imap, secure: 'yes' } }, ['imap.secure']],
    [{ ...valid, imap: { ...valid.imap, mailbox: '' } }, ['imap.mailbox']],
    [{ ...valid, smtp: { host: 'smtp.acme.test', port: 587, user: 'x' } }, ['smtp.password']],
    [{ ...valid, smtp: 'smtp.acme.test' }, ['smtp']],
    [{ ...valid, imap: { ...valid.imap, secure: false, allowInsecureAuth: 'yes' } }, ['imap.allowInsecureAuth']],
    [{ ...valid, smtp: { ...valid.smtp, allowInsecureAuth: 1 } }, ['smtp.allowInsecureAuth']],
  ])('reports the bad field of %p', (input, fields) => {
    expect(fieldsOf(input as Record<string, unknown>)).toEqual(fields);
  });
});
