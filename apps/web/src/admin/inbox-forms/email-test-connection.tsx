import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { post } from '../../api/client';

/** The email part of the create form, as `POST /inboxes` and `POST /inboxes/test-email-connection` take it. */
export interface EmailServerFields {
  imapHost: string;
  imapPort: string;
  imapUser: string;
  imapPassword: string;
  imapPlain: boolean;
  smtpHost: string;
  smtpPort: string;
  smtpUser: string;
  smtpPassword: string;
  smtpPlain: boolean;
}

/** Implicit TLS on the well-known ports (993, 465); any other port is plain or STARTTLS. */
export function emailServersBody(f: EmailServerFields) {
  return {
    imap: {
      host: f.imapHost,
      port: Number(f.imapPort),
      secure: Number(f.imapPort) === 993,
      user: f.imapUser,
      password: f.imapPassword,
      allowInsecureAuth: Number(f.imapPort) !== 993 && f.imapPlain,
    },
    smtp: {
      host: f.smtpHost,
      port: Number(f.smtpPort),
      secure: Number(f.smtpPort) === 465,
      user: f.smtpUser || undefined,
      password: f.smtpPassword || undefined,
      allowInsecureAuth: Number(f.smtpPort) !== 465 && f.smtpPlain,
    },
  };
}

/** The server's answer per part: `code` is what we translate; `message` its English words, kept for a tooltip. */
export interface ConnectionPart {
  ok: boolean;
  code: string;
  message: string;
}
export interface ConnectionResult {
  ok: boolean;
  imap: ConnectionPart;
  smtp: ConnectionPart;
}

export const CONNECTION_CODES = [
  'OK',
  'AUTH_FAILED',
  'CONNECTION_REFUSED',
  'HOST_NOT_FOUND',
  'HOST_UNREACHABLE',
  'CONNECTION_CLOSED',
  'TIMEOUT',
  'TLS',
  'STARTTLS_MISSING',
  'MAILBOX_NOT_FOUND',
  'ADDRESS_REFUSED',
  'UNKNOWN',
] as const;

function Part({ label, part }: { label: string; part: ConnectionPart }) {
  const { t } = useTranslation();
  const code = (CONNECTION_CODES as readonly string[]).includes(part.code) ? part.code : 'UNKNOWN';
  return (
    <li className={part.ok ? 'ok' : 'error'} data-testid={`connection-${label.toLowerCase()}`} data-code={part.code} title={part.message}>
      <strong>{label}</strong> {part.ok ? '✓' : '✗'} {t(`emailTest.code.${code}` as 'emailTest.code.OK')}
    </li>
  );
}

/**
 * "Test connection": logs in to IMAP and SMTP on the server (with its timeouts and outbound
 * address policy) and shows each part's result in the admin's language. `body` for settings
 * typed in the create form, `inboxId` for an inbox already stored (its stored passwords).
 */
export function EmailTestConnection(props: { body: () => Record<string, unknown>; inboxId?: undefined } | { inboxId: string; body?: undefined }) {
  const { t } = useTranslation();
  const test = useMutation({
    mutationFn: () =>
      props.inboxId ? post<ConnectionResult>(`/inboxes/${props.inboxId}/test-connection`, {}) : post<ConnectionResult>('/inboxes/test-email-connection', props.body!()),
  });
  return (
    <div className="email-test small" data-testid="email-test">
      <button type="button" className={props.inboxId ? 'link' : 'secondary'} disabled={test.isPending} onClick={() => test.mutate()} data-testid="email-test-button">
        {test.isPending ? t('emailTest.testing') : t('emailTest.button')}
      </button>
      {test.data && (
        <ul className="plain" role="status">
          <Part label="IMAP" part={test.data.imap} />
          <Part label="SMTP" part={test.data.smtp} />
        </ul>
      )}
      {test.error && (
        <div className="error" role="alert">
          {t('admin.failed', { message: test.error.message })}
        </div>
      )}
    </div>
  );
}
