import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactElement } from 'react';
import i18n from '../../i18n/i18n';
import { CONNECTION_CODES, EmailTestConnection, emailServersBody } from './email-test-connection';

const posts: Array<{ url: string; body: unknown }> = [];
let answer: unknown;

function renderWith(ui: ReactElement) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(<QueryClientProvider client={qc}>{ui}</QueryClientProvider>);
}

beforeEach(async () => {
  posts.length = 0;
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      posts.push({ url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const fields = {
  imapHost: 'imap.example.com',
  imapPort: '993',
  imapUser: 'support',
  imapPassword: 'secret',
  imapPlain: false,
  smtpHost: 'smtp.example.com',
  smtpPort: '587',
  smtpUser: '',
  smtpPassword: '',
  smtpPlain: false,
};

describe('EmailTestConnection', () => {
  it('sends the typed settings and shows each part’s result by its code, in the admin’s language', async () => {
    answer = {
      ok: false,
      imap: { ok: false, code: 'AUTH_FAILED', message: 'IMAP imap.example.com:993: authentication failed' },
      smtp: { ok: true, code: 'OK', message: 'SMTP server accepted the connection' },
    };
    await i18n.changeLanguage('fr');
    renderWith(<EmailTestConnection body={() => emailServersBody(fields)} />);
    fireEvent.click(screen.getByTestId('email-test-button'));
    const imap = await screen.findByTestId('connection-imap');
    expect(posts).toEqual([
      {
        url: '/api/v1/inboxes/test-email-connection',
        body: {
          imap: { host: 'imap.example.com', port: 993, secure: true, user: 'support', password: 'secret', allowInsecureAuth: false },
          smtp: { host: 'smtp.example.com', port: 587, secure: false, allowInsecureAuth: false },
        },
      },
    ]);
    expect(imap.getAttribute('data-code')).toBe('AUTH_FAILED');
    expect(imap.textContent).toContain('identifiant ou mot de passe refusé');
    expect(screen.getByTestId('connection-smtp').textContent).toContain('connecté');
  });

  it('tests a stored inbox through its own route, and an unknown code reads as a failure, not a raw code', async () => {
    answer = { ok: false, imap: { ok: false, code: 'SOMETHING_NEW', message: 'x' }, smtp: { ok: false, code: 'TIMEOUT', message: 'y' } };
    renderWith(<EmailTestConnection inboxId="ib-1" />);
    fireEvent.click(screen.getByTestId('email-test-button'));
    expect((await screen.findByTestId('connection-imap')).textContent).toContain('the connection failed');
    expect(posts[0].url).toBe('/api/v1/inboxes/ib-1/test-connection');
    expect(screen.getByTestId('connection-smtp').textContent).not.toContain('TIMEOUT');
  });

  it('has words for every code in every language', async () => {
    for (const lng of ['en', 'fr', 'it', 'es', 'uk']) {
      await i18n.changeLanguage(lng);
      for (const code of CONNECTION_CODES) {
        const text = i18n.t(`emailTest.code.${code}`);
        expect(text).not.toBe(`emailTest.code.${code}`);
        expect(text).not.toMatch(/[A-Z]{2,}_[A-Z]/);
      }
    }
  });
});
