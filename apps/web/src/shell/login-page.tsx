import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../session/session';
import { LanguagePicker } from './language-picker';
import { ForgotPasswordForm, usePasswordResetOffered } from './password-reset';

export function LoginPage() {
  const { t } = useTranslation();
  const { login } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const resetOffered = usePasswordResetOffered();
  const [forgot, setForgot] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  if (forgot)
    return (
      <div className="login">
        <ForgotPasswordForm onBack={() => setForgot(false)} />
      </div>
    );

  return (
    <div className="login">
      <form className="login-card" onSubmit={submit}>
        <div className="brand big">
          <span className="logo" aria-hidden /> {t('app.name')}
        </div>
        <p className="muted">{t('login.subtitle')}</p>
        <h1>{t('login.title')}</h1>
        <label>
          {t('login.email')}
          <input name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <p className="error" role="alert">
            {t('login.failed', { message: error })}
          </p>
        )}
        <button className="primary" type="submit" disabled={busy}>
          {t('login.submit')}
        </button>
        {resetOffered && (
          <button type="button" className="link small" onClick={() => setForgot(true)} data-testid="forgot-password">
            {t('passwordReset.forgot')}
          </button>
        )}
        <LanguagePicker />
      </form>
    </div>
  );
}
