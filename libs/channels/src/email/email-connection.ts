import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { ImapSettings, SmtpSettings } from './email-settings';

export type ConnectionProblem = 'auth_failed' | 'host_unreachable' | 'tls_mismatch' | 'timeout' | 'mailbox_not_found' | 'rejected' | 'unknown';

export type ConnectionCheck =
  | { ok: true; detail: string }
  | { ok: false; problem: ConnectionProblem; error: string };

/** Maps the many ways a socket, TLS or protocol error looks to one problem an admin can act on. */
export function classifyConnectionError(err: unknown, protocol: 'IMAP' | 'SMTP', host: string, port: number): { problem: ConnectionProblem; error: string } {
  const e = (err ?? {}) as { code?: string; message?: string; authenticationFailed?: boolean; responseCode?: number; response?: string; responseText?: string; serverResponseCode?: string };
  const code = String(e.code ?? '');
  const msg = String(e.message ?? err);
  const where = `${protocol} ${host}:${port}`;
  if (e.authenticationFailed || code === 'EAUTH' || e.responseCode === 535 || e.serverResponseCode === 'AUTHENTICATIONFAILED' || /authenticat(ion|e) failed|invalid credentials/i.test(msg)) {
    return { problem: 'auth_failed', error: `${where}: authentication failed, check the user and password (${(e.responseText ?? e.response ?? msg).toString().slice(0, 200)})` };
  }
  if (/ssl|tls|wrong version number|certificate|self[- ]signed|EPROTO|handshake|ClosedAfterConnectTLS|ClosedAfterConnectText/i.test(`${code} ${msg}`)) {
    return { problem: 'tls_mismatch', error: `${where}: TLS problem (${msg.slice(0, 200)}); check "secure": true for implicit TLS ports (993, 465), false for plain/STARTTLS ports (143, 587, 25)` };
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'NoConnection', 'EConnectionClosed'].includes(code) || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|getaddrinfo/.test(msg)) {
    return { problem: 'host_unreachable', error: `${where}: host unreachable (${code || msg.slice(0, 200)})` };
  }
  if (/TIMEOUT|ETIMEDOUT|timed? ?out/i.test(`${code} ${msg}`)) {
    return { problem: 'timeout', error: `${where}: no answer in time (${code || msg.slice(0, 120)}); a TLS setting that does not match the port often looks like this` };
  }
  if (code === 'NotFound' || /nonexistent|doesn't exist|not exist|unknown mailbox/i.test(msg)) return { problem: 'mailbox_not_found', error: `${where}: ${msg.slice(0, 200)}` };
  return { problem: 'unknown', error: `${where}: ${msg.slice(0, 300)}` };
}

const TIMEOUTS = { connectionTimeout: 8000, greetingTimeout: 8000, socketTimeout: 15000 };

export async function checkImap(s: ImapSettings, password: string): Promise<ConnectionCheck> {
  const client = new ImapFlow({ host: s.host, port: s.port, secure: s.secure, auth: { user: s.user, pass: password }, logger: false, disableAutoIdle: true, ...TIMEOUTS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const box = await client.mailboxOpen(s.mailbox, { readOnly: true }).catch((err: unknown) => {
      throw Object.assign(new Error(`mailbox "${s.mailbox}" cannot be opened: ${(err as Error).message}`), { code: 'NotFound' });
    });
    const idle = client.capabilities.has('IDLE');
    return { ok: true, detail: `mailbox "${s.mailbox}" has ${box.exists} messages; ${idle ? 'IDLE push supported' : 'no IDLE: polling'}` };
  } catch (err) {
    return { ok: false, ...classifyConnectionError(err, 'IMAP', s.host, s.port) };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export async function checkSmtp(s: SmtpSettings, password: string | null): Promise<ConnectionCheck> {
  const transport = nodemailer.createTransport({ host: s.host, port: s.port, secure: s.secure, auth: s.user ? { user: s.user, pass: password ?? '' } : undefined, ...TIMEOUTS });
  try {
    await transport.verify();
    return { ok: true, detail: `SMTP server accepted the connection${s.user ? ' and the login' : ''}` };
  } catch (err) {
    return { ok: false, ...classifyConnectionError(err, 'SMTP', s.host, s.port) };
  } finally {
    transport.close();
  }
}
