import { DomainError } from '@inbox/core';

export interface ImapSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  mailbox: string;
  /** Plain-text login allowed (no TLS, no STARTTLS): an explicit opt-in, only meaningful with `secure: false`. */
  allowInsecureAuth?: boolean;
}
export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  /** As for IMAP: without it, `secure: false` requires STARTTLS. */
  allowInsecureAuth?: boolean;
}
export interface EmailSettings {
  address: string;
  imap: ImapSettings;
  smtp: SmtpSettings;
}
export interface EmailSecrets {
  imapPassword: string;
  smtpPassword: string | null;
}

const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$|^[^\s@<>()",;]+@localhost$/i;
const HOST = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$|^\[?[0-9a-f:.]+\]?$/i;

/** Validates the email part of `POST /inboxes`; every problem is reported at once, per field. */
export function parseEmailInboxInput(input: Record<string, unknown>, opts: { addressOptional?: boolean } = {}): { settings: EmailSettings; secrets: EmailSecrets } {
  const fields: Record<string, string[]> = {};
  const err = (field: string, msg: string) => (fields[field] ??= []).push(msg);
  const address = typeof input.address === 'string' ? input.address.trim().toLowerCase() : '';
  // A connection test runs before the form is complete: the address is checked only when given.
  if (!address) {
    if (!opts.addressOptional) err('address', 'is required: the address customers write to');
  } else if (!EMAIL.test(address)) err('address', 'must be an email address');

  const obj = (name: 'imap' | 'smtp') => {
    const v = input[name];
    if (v === undefined || v === null) {
      err(name, `is required: {host, port, secure${name === 'imap' ? ', user, password, mailbox?' : ', user?, password?'}, allowInsecureAuth?}`);
      return null;
    }
    if (typeof v !== 'object' || Array.isArray(v)) {
      err(name, 'must be an object');
      return null;
    }
    return v as Record<string, unknown>;
  };
  const server = (name: 'imap' | 'smtp', o: Record<string, unknown>, needUser: boolean) => {
    const host = typeof o.host === 'string' ? o.host.trim() : '';
    if (!host || !HOST.test(host)) err(`${name}.host`, 'must be a host name or IP address');
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) err(`${name}.port`, 'must be a port number (1-65535)');
    if (o.secure !== undefined && typeof o.secure !== 'boolean') err(`${name}.secure`, 'must be true (TLS from the start) or false (plain or STARTTLS)');
    const user = typeof o.user === 'string' && o.user.trim() ? o.user.trim() : null;
    if (needUser && !user) err(`${name}.user`, 'is required');
    if (o.user !== undefined && o.user !== null && typeof o.user !== 'string') err(`${name}.user`, 'must be a string');
    const password = typeof o.password === 'string' && o.password.length ? o.password : null;
    if (needUser && !password) err(`${name}.password`, 'is required');
    if (o.password !== undefined && o.password !== null && typeof o.password !== 'string') err(`${name}.password`, 'must be a string');
    if (user && !password && !needUser) err(`${name}.password`, 'is required when a user is given');
    if (o.allowInsecureAuth !== undefined && typeof o.allowInsecureAuth !== 'boolean') {
      err(`${name}.allowInsecureAuth`, 'must be true (log in without TLS when the server offers no STARTTLS) or false (STARTTLS required when secure is false)');
    }
    return { host, port, secure: o.secure === true, user, password, allowInsecureAuth: o.allowInsecureAuth === true };
  };
  const imapIn = obj('imap');
  const smtpIn = obj('smtp');
  const imap = imapIn ? server('imap', imapIn, true) : null;
  const smtp = smtpIn ? server('smtp', smtpIn, false) : null;
  let mailbox = 'INBOX';
  if (imapIn && imapIn.mailbox !== undefined && imapIn.mailbox !== null) {
    if (typeof imapIn.mailbox !== 'string' || !imapIn.mailbox.trim() || imapIn.mailbox.length > 200) err('imap.mailbox', 'must be a mailbox name');
    else mailbox = imapIn.mailbox.trim();
  }
  if (Object.keys(fields).length || !imap || !smtp) throw new DomainError('VALIDATION_FAILED', 'invalid email inbox settings', { fields });
  return {
    settings: {
      address,
      imap: { host: imap.host, port: imap.port, secure: imap.secure, user: imap.user!, mailbox, allowInsecureAuth: imap.allowInsecureAuth },
      smtp: { host: smtp.host, port: smtp.port, secure: smtp.secure, user: smtp.user, allowInsecureAuth: smtp.allowInsecureAuth },
    },
    secrets: { imapPassword: imap.password!, smtpPassword: smtp.password },
  };
}

/** Settings as stored (trusted, validated at creation). */
export function emailSettingsOf(settings: Record<string, unknown>): EmailSettings {
  return settings as unknown as EmailSettings;
}
