import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { OutboundPolicy, isOutboundRefusal, pinOutbound } from '@inbox/core';
import type { ImapSettings, SmtpSettings } from './email-settings';

export type ConnectionProblem = 'auth_failed' | 'host_unreachable' | 'tls_mismatch' | 'timeout' | 'mailbox_not_found' | 'rejected' | 'address_refused' | 'unknown';

/** The stable code a client translates (the web admin form shows it in the admin's language). */
export type ConnectionCode =
  | 'OK'
  | 'AUTH_FAILED'
  | 'CONNECTION_REFUSED'
  | 'HOST_NOT_FOUND'
  | 'HOST_UNREACHABLE'
  | 'CONNECTION_CLOSED'
  | 'TIMEOUT'
  | 'TLS'
  | 'STARTTLS_MISSING'
  | 'MAILBOX_NOT_FOUND'
  | 'ADDRESS_REFUSED'
  | 'UNKNOWN';

/** `problem`/`error`/`detail` are the English words for logs and API users; `code` + `message` what clients show. */
export type ConnectionCheck =
  { ok: true; code: 'OK'; message: string; detail: string } | { ok: false; code: Exclude<ConnectionCode, 'OK'>; message: string; problem: ConnectionProblem; error: string };

/**
 * Maps the many ways a socket, TLS or protocol error looks to one problem an admin can act
 * on. The words are ours: the server's banner and response text never reach the user (they
 * would turn a connection test into a probe of whatever answers on that port).
 */
export function classifyConnectionError(
  err: unknown,
  protocol: 'IMAP' | 'SMTP',
  host: string,
  port: number,
): { problem: ConnectionProblem; code: Exclude<ConnectionCode, 'OK'>; error: string; message: string } {
  const { problem, code, words } = describeConnectionError(err);
  const error = `${protocol} ${host}:${port}: ${words}`;
  return { problem, code, error, message: error };
}

/** The problem and the words for it, without saying where (see classifyConnectionError). */
export function describeConnectionError(err: unknown): { problem: ConnectionProblem; code: Exclude<ConnectionCode, 'OK'>; words: string } {
  if (isOutboundRefusal(err)) return { problem: 'address_refused', code: 'ADDRESS_REFUSED', words: `address refused by outbound policy` };
  const e = (err ?? {}) as { code?: string; message?: string; authenticationFailed?: boolean; tlsFailed?: boolean; responseCode?: number; serverResponseCode?: string };
  const code = String(e.code ?? '');
  const msg = String(e.message ?? err);
  if (
    e.authenticationFailed ||
    code === 'EAUTH' ||
    e.responseCode === 535 ||
    e.serverResponseCode === 'AUTHENTICATIONFAILED' ||
    /authenticat(ion|e) failed|invalid credentials/i.test(msg)
  ) {
    return { problem: 'auth_failed', code: 'AUTH_FAILED', words: `authentication failed, check the user and password` };
  }
  if (/STARTTLS/i.test(msg) || code === 'ETLS') {
    return {
      problem: 'tls_mismatch',
      code: 'STARTTLS_MISSING',
      words: `TLS failed: the server did not upgrade the connection with STARTTLS; use "secure": true on an implicit TLS port (993, 465), or set "allowInsecureAuth": true to log in without encryption`,
    };
  }
  if (e.tlsFailed || /ssl|tls|wrong version number|certificate|self[- ]signed|EPROTO|handshake|ClosedAfterConnectTLS|ClosedAfterConnectText/i.test(`${code} ${msg}`)) {
    return { problem: 'tls_mismatch', code: 'TLS', words: `TLS failed; check "secure": true for implicit TLS ports (993, 465), false for plain/STARTTLS ports (143, 587, 25)` };
  }
  const socket = `${code} ${msg}`;
  if (/ECONNREFUSED/.test(socket)) return { problem: 'host_unreachable', code: 'CONNECTION_REFUSED', words: `connection refused` };
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME|EDNS|getaddrinfo/.test(socket)) return { problem: 'host_unreachable', code: 'HOST_NOT_FOUND', words: `host not found` };
  if (/EHOSTUNREACH|ENETUNREACH/.test(socket)) return { problem: 'host_unreachable', code: 'HOST_UNREACHABLE', words: `host unreachable` };
  if (/ECONNRESET|NoConnection|EConnectionClosed|ECONNECTION|connection closed/i.test(socket))
    return { problem: 'host_unreachable', code: 'CONNECTION_CLOSED', words: `connection closed by the server` };
  if (/TIMEOUT|ETIMEDOUT|timed? ?out/i.test(socket)) {
    return { problem: 'timeout', code: 'TIMEOUT', words: `timed out; a TLS setting that does not match the port often looks like this` };
  }
  if (code === 'NotFound') return { problem: 'mailbox_not_found', code: 'MAILBOX_NOT_FOUND', words: `${msg}` };
  return { problem: 'unknown', code: 'UNKNOWN', words: `connection failed${/^[A-Za-z_]{2,40}$/.test(code) ? ` (${code})` : ''}` };
}

/**
 * imapflow options that connect to the address the outbound policy checked, verify TLS
 * against the configured name, and send credentials in clear only on explicit opt-in
 * (`secure: false` alone means STARTTLS or nothing).
 */
export async function imapConnectOptions(s: ImapSettings, password: string, policy: OutboundPolicy): Promise<ImapFlowOptions> {
  const pin = await pinOutbound(s.host, policy);
  return {
    host: pin.address,
    servername: pin.servername,
    port: s.port,
    secure: s.secure,
    ...(s.secure ? {} : { doSTARTTLS: s.allowInsecureAuth ? undefined : true }),
    auth: { user: s.user, pass: password },
    logger: false,
  };
}

/** The same for nodemailer: the checked address, TLS verified against the name, STARTTLS required unless opted out. */
export async function smtpConnectOptions(s: SmtpSettings, password: string | null, policy: OutboundPolicy): Promise<SMTPTransport.Options> {
  const pin = await pinOutbound(s.host, policy);
  return {
    host: pin.address,
    port: s.port,
    secure: s.secure,
    requireTLS: !s.secure && !s.allowInsecureAuth,
    tls: pin.servername ? { servername: pin.servername } : undefined,
    auth: s.user ? { user: s.user, pass: password ?? '' } : undefined,
  };
}

const TIMEOUTS = { connectionTimeout: 8000, greetingTimeout: 8000, socketTimeout: 15000 };

export async function checkImap(s: ImapSettings, password: string, policy: OutboundPolicy): Promise<ConnectionCheck> {
  let client: ImapFlow | null = null;
  try {
    client = new ImapFlow({ ...(await imapConnectOptions(s, password, policy)), disableAutoIdle: true, ...TIMEOUTS });
    client.on('error', () => undefined);
    await client.connect();
    const box = await client.mailboxOpen(s.mailbox, { readOnly: true }).catch(() => {
      throw Object.assign(new Error(`mailbox "${s.mailbox}" cannot be opened`), { code: 'NotFound' });
    });
    const idle = client.capabilities.has('IDLE');
    const detail = `mailbox "${s.mailbox}" has ${box.exists} messages; ${idle ? 'IDLE push supported' : 'no IDLE: polling'}`;
    return { ok: true, code: 'OK', message: detail, detail };
  } catch (err) {
    return { ok: false, ...classifyConnectionError(err, 'IMAP', s.host, s.port) };
  } finally {
    const c = client;
    if (c) await c.logout().catch(() => c.close());
  }
}

export async function checkSmtp(s: SmtpSettings, password: string | null, policy: OutboundPolicy): Promise<ConnectionCheck> {
  let transport: ReturnType<typeof nodemailer.createTransport> | null = null;
  try {
    transport = nodemailer.createTransport({ ...(await smtpConnectOptions(s, password, policy)), ...TIMEOUTS });
    await transport.verify();
    const detail = `SMTP server accepted the connection${s.user ? ' and the login' : ''}`;
    return { ok: true, code: 'OK', message: detail, detail };
  } catch (err) {
    return { ok: false, ...classifyConnectionError(err, 'SMTP', s.host, s.port) };
  } finally {
    transport?.close();
  }
}
