import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import AdminPage from './admin-page';

const posts: Array<{ url: string; body: any }> = [];

function renderAdmin() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <MemoryRouter initialEntries={['/admin/inboxes']}>
        <Routes>
          <Route path="/admin/*" element={<AdminPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(async () => {
  posts.length = 0;
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      if (init?.method === 'POST') {
        posts.push({ url, body: JSON.parse(String(init.body)) });
        return new Response(JSON.stringify({ id: 'new', channel: 'x', name: 'n', settings: {}, active: true }), { status: 201, headers: { 'content-type': 'application/json' } });
      }
      return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('admin: Telegram, X and phone inboxes', () => {
  const fill = (name: string, value: string) => fireEvent.change(document.querySelector(`[name="${name}"]`)!, { target: { value } });

  it('creates a Telegram inbox from the bot token', async () => {
    renderAdmin();
    fill('inbox-name', 'Support bot');
    fill('inbox-channel', 'telegram');
    fill('telegram-bot-token', '7000000001:AAexampleexampleexampleexample00');
    fireEvent.submit(screen.getByTestId('inbox-form'));
    await waitFor(() => expect(posts).toHaveLength(1));
    expect(posts[0]).toMatchObject({
      url: expect.stringMatching(/\/inboxes$/),
      body: { name: 'Support bot', channel: 'telegram', botToken: '7000000001:AAexampleexampleexampleexample00' },
    });
  });

  it('creates an X inbox with the four credentials and the account id', async () => {
    renderAdmin();
    fill('inbox-name', 'X DMs');
    fill('inbox-channel', 'x');
    for (const [n, v] of [
      ['x-consumer-key', 'ck-123456789'],
      ['x-consumer-secret', 'cs-123456789'],
      ['x-access-token', '1460-abcdefghijk'],
      ['x-access-token-secret', 'ats-123456789'],
      ['x-user-id', '1460'],
    ])
      fill(n, v);
    fireEvent.submit(screen.getByTestId('inbox-form'));
    await waitFor(() => expect(posts).toHaveLength(1));
    expect(posts[0].body).toEqual({
      name: 'X DMs',
      channel: 'x',
      consumerKey: 'ck-123456789',
      consumerSecret: 'cs-123456789',
      accessToken: '1460-abcdefghijk',
      accessTokenSecret: 'ats-123456789',
      userId: '1460',
    });
  });

  it('creates a phone inbox with its number, in French too', async () => {
    await i18n.changeLanguage('fr');
    renderAdmin();
    expect(screen.getByRole('option', { name: 'Téléphone' })).toBeTruthy();
    fill('inbox-name', 'Standard');
    fill('inbox-channel', 'phone');
    expect(screen.getByText('Numéro de téléphone (facultatif)')).toBeTruthy();
    fill('phone-number', '+33 1 23 45 67 89');
    fireEvent.submit(screen.getByTestId('inbox-form'));
    await waitFor(() => expect(posts).toHaveLength(1));
    expect(posts[0].body).toEqual({ name: 'Standard', channel: 'phone', number: '+33 1 23 45 67 89' });
  });
});
