import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { ApiError, get, post } from '../api/client';
import { LanguagePicker } from './language-picker';

/** Whether the server can mail reset links (it has a system SMTP transport): the login page offers the link only then. */
export function usePasswordResetOffered(): boolean {
  const options = useQuery({ queryKey: ['auth-options'], queryFn: () => get<{ passwordReset: boolean }>('/auth/options'), staleTime: 5 * 60_000, retry: false });
  return options.data?.passwordReset === true;
}

/** The text for a failure: the server's rate limit and validation in words, anything else with its message. */
function useFailureText(): (err: unknown) => string {
  const { t } = useTranslation();
  return (err) => (err instanceof ApiError && err.code === 'RATE_LIMITED' ? t('integrations.errors.RATE_LIMITED') : t('common.error', { message: (err as Error).message }));
}

/** "Forgot password?": the same answer whatever the address (the server never says whether an account exists). */
export function ForgotPasswordForm({ onBack }: { onBack(): void }) {
  const { t } = useTranslation();
  const failureText = useFailureText();
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/auth/password-reset', { email });
      setSentTo(email);
    } catch (err) {
      setError(failureText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="login-card" onSubmit={submit} data-testid="forgot-form">
      <h1>{t('passwordReset.requestTitle')}</h1>
      {sentTo ? (
        <p className="ok" role="status" data-testid="forgot-sent">
          {t('passwordReset.sent', { email: sentTo })}
        </p>
      ) : (
        <>
          <p className="muted small">{t('passwordReset.requestHelp')}</p>
          <label>
            {t('login.email')}
            <input name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
          </label>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button className="primary" type="submit" disabled={busy}>
            {t('passwordReset.send')}
          </button>
        </>
      )}
      <button type="button" className="link" onClick={onBack} data-testid="forgot-back">
        {t('passwordReset.back')}
      </button>
      <LanguagePicker />
    </form>
  );
}

/** `/reset-password/:token`, the page the mailed link opens: a new password, twice. */
export function ResetPasswordPage({ token }: { token: string }) {
  const { t } = useTranslation();
  const failureText = useFailureText();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'done' } | { kind: 'invalid' } | { kind: 'error'; text: string }>({ kind: 'idle' });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== repeat) return setState({ kind: 'error', text: t('passwordReset.mismatch') });
    if (password.length < 8) return setState({ kind: 'error', text: t('passwordReset.tooShort') });
    setBusy(true);
    try {
      await post('/auth/password-reset/confirm', { token, password });
      setState({ kind: 'done' });
    } catch (err) {
      const fields = err instanceof ApiError && err.code === 'VALIDATION_FAILED' ? (err.details as { fields?: Record<string, string[]> } | undefined)?.fields : undefined;
      if (fields?.token) setState({ kind: 'invalid' });
      else if (fields?.password) setState({ kind: 'error', text: t('passwordReset.tooShort') });
      else setState({ kind: 'error', text: failureText(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <form className="login-card" onSubmit={submit} data-testid="reset-form">
        <div className="brand big">
          <span className="logo" aria-hidden /> {t('app.name')}
        </div>
        <h1>{t('passwordReset.title')}</h1>
        {state.kind === 'done' ? (
          <p className="ok" role="status" data-testid="reset-done">
            {t('passwordReset.done')}
          </p>
        ) : state.kind === 'invalid' ? (
          <p className="error" role="alert" data-testid="reset-invalid">
            {t('passwordReset.invalid')}
          </p>
        ) : (
          <>
            <p className="muted small">{t('passwordReset.help')}</p>
            <label>
              {t('passwordReset.new')}
              <input
                name="new-password"
                type="password"
                autoComplete="new-password"
                minLength={8}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
                autoFocus
              />
            </label>
            <label>
              {t('passwordReset.repeat')}
              <input name="repeat-password" type="password" autoComplete="new-password" minLength={8} value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
            </label>
            {state.kind === 'error' && (
              <p className="error" role="alert">
                {state.text}
              </p>
            )}
            <button className="primary" type="submit" disabled={busy}>
              {t('passwordReset.submit')}
            </button>
          </>
        )}
        <Link to="/" className="small" data-testid="reset-to-login">
          {state.kind === 'invalid' ? t('passwordReset.again') : t('passwordReset.back')}
        </Link>
        <LanguagePicker />
      </form>
    </div>
  );
}
