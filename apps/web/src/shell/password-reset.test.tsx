import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import { SessionProvider } from '../session/session';
import { LoginPage } from './login-page';
import { ResetPasswordPage } from './password-reset';

const calls: Array<{ method: string; path: string; body: any }> = [];
let answers: Record<string, { status: number; body: unknown }> = {};
const json = (status: number, body: unknown) => new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function wrap(ui: React.ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <MemoryRouter>
        <SessionProvider>{ui}</SessionProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(async () => {
  calls.length = 0;
  answers = {};
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const path = url.replace(/^\/api\/v1/, '');
      calls.push({ method, path, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const a = answers[`${method} ${path}`];
      return a ? json(a.status, a.body) : json(404, { code: 'NOT_FOUND', message: 'no' });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const fill = (name: string, value: string) => fireEvent.change(document.querySelector(`[name="${name}"]`)!, { target: { value } });

describe('login page: forgot password', () => {
  it('offers no link when the server has no system mail', async () => {
    answers['GET /auth/options'] = { status: 200, body: { passwordReset: false } };
    wrap(<LoginPage />);
    await waitFor(() => expect(calls.some((c) => c.path === '/auth/options')).toBe(true));
    expect(screen.queryByTestId('forgot-password')).toBeNull();
  });

  it('asks for a link and says the same thing whatever the address', async () => {
    answers['GET /auth/options'] = { status: 200, body: { passwordReset: true } };
    answers['POST /auth/password-reset'] = { status: 202, body: { accepted: true } };
    wrap(<LoginPage />);
    fireEvent.click(await screen.findByTestId('forgot-password'));
    fill('email', 'ana@example.com');
    fireEvent.submit(screen.getByTestId('forgot-form'));
    expect((await screen.findByTestId('forgot-sent')).textContent).toContain('ana@example.com');
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({ path: '/auth/password-reset', body: { email: 'ana@example.com' } });
    fireEvent.click(screen.getByTestId('forgot-back'));
    expect(await screen.findByTestId('forgot-password')).toBeTruthy();
  });

  it('speaks the chosen language', async () => {
    answers['GET /auth/options'] = { status: 200, body: { passwordReset: true } };
    await i18n.changeLanguage('uk');
    wrap(<LoginPage />);
    expect((await screen.findByTestId('forgot-password')).textContent).toBe('Забули пароль?');
  });
});

describe('reset password page', () => {
  it('refuses two different passwords without asking the server', async () => {
    wrap(<ResetPasswordPage token="tok" />);
    fill('new-password', 'new-password-2');
    fill('repeat-password', 'new-password-3');
    fireEvent.submit(screen.getByTestId('reset-form'));
    expect((await screen.findByRole('alert')).textContent).toBe(i18n.t('passwordReset.mismatch'));
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('sets the password with the token of the link', async () => {
    answers['POST /auth/password-reset/confirm'] = { status: 204, body: null };
    wrap(<ResetPasswordPage token="tok" />);
    fill('new-password', 'new-password-2');
    fill('repeat-password', 'new-password-2');
    fireEvent.submit(screen.getByTestId('reset-form'));
    expect(await screen.findByTestId('reset-done')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({ path: '/auth/password-reset/confirm', body: { token: 'tok', password: 'new-password-2' } });
  });

  it('says so when the link is expired or used, and offers a new one', async () => {
    answers['POST /auth/password-reset/confirm'] = {
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'bad', details: { fields: { token: ['is unknown, expired or already used'] } } },
    };
    wrap(<ResetPasswordPage token="tok" />);
    fill('new-password', 'new-password-2');
    fill('repeat-password', 'new-password-2');
    fireEvent.submit(screen.getByTestId('reset-form'));
    expect((await screen.findByTestId('reset-invalid')).textContent).toBe(i18n.t('passwordReset.invalid'));
    expect(screen.getByTestId('reset-to-login').textContent).toBe(i18n.t('passwordReset.again'));
  });
});
