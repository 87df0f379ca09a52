import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import AdminPage from '../admin/admin-page';
import { NewConversation } from './new-conversation';

const calls: Array<{ method: string; url: string; body: any }> = [];
let answers: Record<string, { status: number; body: unknown }> = {};

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function wrap(ui: React.ReactNode, at = '/admin/bots') {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <MemoryRouter initialEntries={[at]}>
        <Routes>
          <Route path="/admin/*" element={ui} />
          <Route path="*" element={ui} />
        </Routes>
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
      calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const key = `${method} ${url.replace(/^\/api\/v1/, '').split('?')[0]}`;
      if (answers[key]) return json(answers[key].status, answers[key].body);
      if (key === 'GET /inboxes')
        return json(200, [
          { id: 'i1', name: 'Support mail', channel: 'email', active: true, teamId: null },
          { id: 'i2', name: 'Chat', channel: 'webchat', active: true, teamId: null },
        ]);
      return json(200, []);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const fill = (name: string, value: string) => fireEvent.change(document.querySelector(`[name="${name}"]`)!, { target: { value } });
const tick = (name: string) => fireEvent.click(document.querySelector(`[name="${name}"]`)!);

describe('admin: bots', () => {
  it('creates a bot scoped to one inbox with fewer permissions, and shows its token once', async () => {
    answers['POST /bots'] = {
      status: 201,
      body: { id: 'b1', name: 'FAQ', inboxIds: ['i1'], scopes: ['conversations.read'], firstInboxIds: [], active: true, tokenExpiresAt: null, token: 'bot_secret123' },
    };
    wrap(<AdminPage />);
    await waitFor(() => expect(document.querySelector('[name="bot-inboxes-i1"]')).not.toBeNull());
    fill('bot-name', 'FAQ');
    tick('bot-inboxes-i1');
    tick('bot-scopes-conversations.write');
    fireEvent.submit(screen.getByTestId('bot-form'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const sent = calls.find((c) => c.method === 'POST')!;
    expect(sent.body).toEqual({ name: 'FAQ', inboxIds: ['i1'], scopes: ['conversations.read', 'contacts.read', 'contacts.write', 'channels.post', 'webhooks'] });
    expect((await screen.findByTestId('once-secret')).textContent).toContain('bot_secret123');
  });

  it("explains a refused webhook address in the reader's language", async () => {
    await i18n.changeLanguage('fr');
    answers['POST /webhooks'] = {
      status: 400,
      body: { statusCode: 400, code: 'OUTBOUND_ADDRESS_REFUSED', message: 'url: address refused by outbound policy', details: { fields: { url: ['x'] } } },
    };
    wrap(<AdminPage />, '/admin/webhooks');
    fill('webhook-url', 'http://127.0.0.1/hook');
    fireEvent.submit(screen.getByTestId('webhook-form'));
    expect((await screen.findByRole('alert')).textContent).toContain('réseau privé ou local');
  });
});

describe('new conversation', () => {
  it('starts an email with a subject from an email inbox and opens it', async () => {
    answers['POST /conversations'] = { status: 201, body: { conversation: { id: 'c9' }, message: { id: 'm1' } } };
    const started = vi.fn();
    wrap(<NewConversation onStarted={started} />, '/inbox');
    fireEvent.click(screen.getByTestId('new-conversation'));
    await screen.findByRole('option', { name: 'Support mail (Email)' });
    expect(screen.queryByRole('option', { name: /Chat/ })).toBeNull();
    fill('new-to', 'dana@customer.test');
    fill('new-subject', 'Your order 42');
    fill('new-text', 'It is ready.');
    fireEvent.submit(screen.getByTestId('new-conversation-form'));
    await waitFor(() => expect(started).toHaveBeenCalledWith('c9'));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ inboxId: 'i1', contact: { identifier: 'dana@customer.test' }, subject: 'Your order 42', text: 'It is ready.' });
  });
});
