import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, auth, post } from '../api/client';
import { useMe } from '../session/session';

/**
 * This page renews its own token: the server closes every socket of the user when a session
 * ends, and the live connection waits for `auth.renewing` so it reconnects with the fresh token.
 */
async function renew(request: Promise<{ accessToken: string }>): Promise<void> {
  const pending = request.then((r) => auth.set(r.accessToken));
  auth.renewing = pending;
  try {
    await pending;
  } finally {
    if (auth.renewing === pending) auth.renewing = null;
  }
}

/** Which sentence explains a failed request: the fields the server named, else its message. */
function failure(err: unknown): { key: 'account.wrongCurrent' | 'account.sameAsCurrent' | 'common.error'; message: string } {
  if (err instanceof ApiError && err.code === 'VALIDATION_FAILED' && err.details && 'fields' in (err.details as object)) {
    const fields = (err.details as { fields: Record<string, string[]> }).fields;
    if (fields.currentPassword) return { key: 'account.wrongCurrent', message: '' };
    if (fields.newPassword) return { key: 'account.sameAsCurrent', message: '' };
  }
  return { key: 'common.error', message: (err as Error).message };
}

export default function AccountPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const changePassword = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== repeat) return setMessage({ ok: false, text: t('account.mismatch') });
    if (next.length < 8) return setMessage({ ok: false, text: t('account.tooShort') });
    setBusy(true);
    setMessage(null);
    try {
      await renew(post<{ accessToken: string }>('/auth/password', { currentPassword: current, newPassword: next }));
      setCurrent('');
      setNext('');
      setRepeat('');
      setMessage({ ok: true, text: t('account.changed') });
    } catch (err) {
      const f = failure(err);
      setMessage({ ok: false, text: t(f.key, { message: f.message }) });
    } finally {
      setBusy(false);
    }
  };

  const signOutOthers = async () => {
    if (!window.confirm(t('account.othersConfirm'))) return;
    setBusy(true);
    setMessage(null);
    try {
      await renew(post<{ accessToken: string }>('/auth/logout-others'));
      setMessage({ ok: true, text: t('account.othersDone') });
    } catch (err) {
      const f = failure(err);
      setMessage({ ok: false, text: t(f.key, { message: f.message }) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="pad account" data-testid="account-page">
      <h2>{t('account.title')}</h2>
      <p className="muted">
        {me.name} · {me.email}
      </p>
      <form className="card" onSubmit={changePassword} data-testid="password-form">
        <h3>{t('account.passwordTitle')}</h3>
        <p className="muted small">{t('account.passwordHelp')}</p>
        <label>
          {t('account.current')}
          <input name="current-password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
        </label>
        <label>
          {t('account.new')}
          <input name="new-password" type="password" autoComplete="new-password" minLength={8} value={next} onChange={(e) => setNext(e.target.value)} required />
        </label>
        <label>
          {t('account.repeat')}
          <input name="repeat-password" type="password" autoComplete="new-password" minLength={8} value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
        </label>
        <button type="submit" disabled={busy}>
          {t('account.change')}
        </button>
      </form>
      <div className="card">
        <h3>{t('account.sessionsTitle')}</h3>
        <p className="muted small">{t('account.sessionsHelp')}</p>
        <button className="ghost" disabled={busy} onClick={signOutOthers} data-testid="sign-out-others">
          {t('account.signOutOthers')}
        </button>
      </div>
      {message && (
        <div className={message.ok ? 'ok' : 'error'} role="status" data-testid="account-message">
          {message.text}
        </div>
      )}
    </div>
  );
}
