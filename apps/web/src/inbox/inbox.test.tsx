import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactNode } from 'react';
import i18n from '../i18n/i18n';
import { ConversationStore } from '../live/conversation-store';
import { LiveContext, type Live } from '../live/live';
import { ConversationList } from './conversation-list';
import { Timeline } from './timeline';
import { LoginPage } from '../shell/login-page';
import { SessionProvider } from '../session/session';
import { aConversation, aMessage } from '../testing/factories';

const conv = aConversation;

const msg = aMessage;

function fakeLive(store: ConversationStore): Live {
  return {
    store,
    connected: true,
    presence: 'online',
    offers: [],
    typing: {},
    setViewing: () => undefined,
    command: async () => ({}),
    dismissOffer: () => undefined,
    onEvent: () => () => undefined,
  };
}

function wrap(children: ReactNode, store = new ConversationStore()) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return (
    <QueryClientProvider client={qc}>
      <MemoryRouter>
        <LiveContext.Provider value={fakeLive(store)}>{children}</LiveContext.Provider>
      </MemoryRouter>
    </QueryClientProvider>
  );
}

beforeAll(() => {
  // jsdom lays nothing out: give the virtualised list a viewport to fill.
  vi.spyOn(Element.prototype, 'clientHeight', 'get').mockReturnValue(800);
  vi.spyOn(Element.prototype, 'clientWidth', 'get').mockReturnValue(340);
  Element.prototype.scrollIntoView ??= () => undefined;
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

beforeEach(async () => {
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => new Response(JSON.stringify(url.includes('/conversations') ? { items: [], nextCursor: null } : []), { status: 200 })),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('ConversationList', () => {
  const props = {
    status: 'open' as const,
    filters: {},
    sort: 'newest' as const,
    params: new URLSearchParams(),
    viewer: { id: 'me', teamIds: [] },
    selectedId: null,
    onTab: () => undefined,
    onStatus: () => undefined,
    onFilters: () => undefined,
    onSort: () => undefined,
    onView: () => undefined,
    onSelect: () => undefined,
  };

  it('shows a conversation the moment it is assigned to me, and drops it when it moves away', async () => {
    const store = new ConversationStore();
    render(wrap(<ConversationList {...props} tab="mine" />, store));
    expect(await screen.findByText('No conversations here.')).toBeTruthy();
    act(() => store.upsert(conv({ id: 'c1', assigneeId: 'me', contactName: 'Chloé' })));
    expect(await screen.findByText('Chloé')).toBeTruthy();
    act(() => store.patch('c1', { assigneeId: 'someone-else' }));
    expect(screen.queryByText('Chloé')).toBeNull();
  });

  it('counts unread messages on the row, and conversations (not messages) on the tab', async () => {
    const store = new ConversationStore();
    store.upsert([conv({ id: 'c1', assigneeId: 'me' }), conv({ id: 'c2', assigneeId: 'me', lastMessageAt: '2026-11-30T09:00:00.000Z' })]);
    render(wrap(<ConversationList {...props} tab="mine" />, store));
    act(() => {
      store.markUnread('c1');
      store.markUnread('c1');
      store.markUnread('c1');
      store.markUnread('c2');
    });
    const [row] = await screen.findAllByTestId('conversation-row');
    expect(within(row).getByLabelText('Unread messages: 3')).toBeTruthy();
    expect(within(screen.getByTestId('tab-mine')).getByLabelText('Conversations with unread messages: 2').textContent).toBe('2');
  });

  it('previews the last message with its sender instead of the assignee', async () => {
    const store = new ConversationStore();
    store.upsert([
      conv({ id: 'c1', assigneeId: 'me', lastMessage: { text: 'Where is my parcel?', authorType: 'contact', authorId: null, createdAt: '2026-11-30T10:00:00.000Z' } }),
      conv({
        id: 'c2',
        assigneeId: 'me',
        contactName: 'Dario',
        lastMessageAt: '2026-11-30T09:00:00.000Z',
        lastMessage: { text: 'On its way', authorType: 'user', authorId: 'me', createdAt: '2026-11-30T09:00:00.000Z' },
      }),
    ]);
    render(wrap(<ConversationList {...props} tab="mine" />, store));
    const [first, second] = await screen.findAllByTestId('row-preview');
    expect(first.textContent).toBe('Chloé: Where is my parcel?');
    expect(second.textContent).toBe('You: On its way');
    expect(screen.getAllByRole('img', { name: 'API' })).toHaveLength(2);
  });

  it('narrows and orders the rows by the filters and sort it is given', async () => {
    const store = new ConversationStore();
    store.upsert([
      conv({ id: 'c1', contactName: 'Low', assigneeId: 'me', priority: 0, channel: 'email' }),
      conv({ id: 'c2', contactName: 'Urgent', assigneeId: 'me', priority: 3, channel: 'email', lastMessageAt: '2026-11-30T08:00:00.000Z' }),
      conv({ id: 'c3', contactName: 'Chat', assigneeId: 'me', priority: 3, channel: 'webchat' }),
    ]);
    render(wrap(<ConversationList {...props} tab="mine" filters={{ channel: 'email' }} sort="priority" />, store));
    await screen.findAllByTestId('conversation-row');
    expect(screen.getAllByTestId('conversation-row').map((r) => r.dataset.conversationId)).toEqual(['c2', 'c1']);
  });

  it('asks the server for the pages in its order and SLA state, so the first page is the top of that order', async () => {
    render(wrap(<ConversationList {...props} tab="all" filters={{ sla: 'breached' }} sort="sla_due" />));
    expect(await screen.findByText('No conversations here.')).toBeTruthy();
    const urls = vi.mocked(fetch).mock.calls.map(([u]) => String(u));
    const list = urls.find((u) => u.startsWith('/api/v1/conversations?'));
    expect(new URL(list!, 'http://x').searchParams.get('sort')).toBe('sla_due');
    expect(new URL(list!, 'http://x').searchParams.get('sla')).toBe('breached');
  });

  it('renders 10,000 conversations with only a screenful of rows in the DOM', async () => {
    const store = new ConversationStore();
    store.upsert(Array.from({ length: 10_000 }, (_, i) => conv({ id: `c${i}`, assigneeId: 'me', lastMessageAt: new Date(Date.UTC(2026, 10, 30, 0, 0, i)).toISOString() })));
    render(wrap(<ConversationList {...props} tab="mine" />, store));
    await screen.findAllByTestId('conversation-row');
    const rows = screen.getAllByTestId('conversation-row').length;
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(60);
    expect(screen.getByText('Conversations: 10,000')).toBeTruthy();
  });
});

describe('Timeline', () => {
  it('shows direction, notes, activity lines and delivery status, with retry on failure', () => {
    const messages = [
      msg({ id: 'a', text: 'Where is my order?' }),
      msg({
        id: 'b',
        kind: 'activity',
        direction: 'outbound',
        authorType: 'system',
        text: 'Assigned to Ana by routing: least busy',
        metadata: { routing: { code: 'least_busy' } },
      }),
      msg({ id: 'c', direction: 'outbound', authorType: 'user', text: 'On its way', status: 'sent' }),
      msg({ id: 'd', direction: 'outbound', authorType: 'user', kind: 'note', text: 'VIP customer' }),
      msg({ id: 'e', direction: 'outbound', authorType: 'user', text: 'Second try', status: 'failed', error: 'webhook answered 400' }),
    ];
    render(wrap(<Timeline messages={messages} conversation={conv({})} pending={[]} onRetryPending={() => undefined} />));
    expect(screen.getByText('Assigned to Ana by routing: least busy')).toBeTruthy();
    const [inbound] = screen.getAllByTestId('message').filter((el) => el.dataset.direction === 'inbound');
    expect(within(inbound).getByText('Where is my order?')).toBeTruthy();
    expect(screen.getByText('Sent')).toBeTruthy();
    expect(screen.getAllByText('Private note').length).toBeGreaterThan(0);
    expect(screen.getByText(/webhook answered 400/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('shows a reply on the wire as sending, and offers retry once one is stuck past its delivery deadline', () => {
    const messages = [
      msg({ id: 's', direction: 'outbound', authorType: 'user', text: 'In flight', status: 'sending', attempts: 1, deliveryDeadline: new Date(Date.now() + 60_000).toISOString() }),
      msg({ id: 'q', direction: 'outbound', authorType: 'user', text: 'Stuck', status: 'queued', deliveryDeadline: new Date(Date.now() - 1_000).toISOString() }),
    ];
    render(wrap(<Timeline messages={messages} conversation={conv({})} pending={[]} onRetryPending={() => undefined} />));
    const [inFlight, stuck] = screen.getAllByTestId('message');
    expect(within(inFlight).getByText('Sending…')).toBeTruthy();
    expect(within(inFlight).queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(within(stuck).getByText('Queued')).toBeTruthy();
    expect(within(stuck).getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it("writes routing activity lines once, in the reader's language, from the code and params", async () => {
    await i18n.changeLanguage('fr');
    try {
      const line = msg({
        id: 'r',
        kind: 'activity',
        direction: 'outbound',
        authorType: 'system',
        text: 'Back in the queue: requeued because Ana went offline',
        metadata: { routing: { action: 'requeue', previousAgentId: 'ana', code: 'requeued_agent_offline', params: { agentId: 'ana', agent: 'Ana' } } },
      });
      render(wrap(<Timeline messages={[line]} conversation={conv({})} pending={[]} onRetryPending={() => undefined} />));
      expect(screen.getByTestId('activity').textContent).toMatch(/^Retour dans la file : Ana s’est déconnecté/);
      expect(screen.queryByText(/Back in the queue|requeued_agent_offline/)).toBeNull();
    } finally {
      await i18n.changeLanguage('en');
    }
  });

  it('shows email HTML in a script-less sandbox without the hostile parts', () => {
    const html = '<p>Hello</p><script>alert(1)</script><a href="javascript:alert(1)">x</a><img src="https://t.example/p.gif">';
    render(wrap(<Timeline messages={[msg({ html })]} conversation={conv({ channel: 'email' })} pending={[]} onRetryPending={() => undefined} />));
    const frame = screen.getByTestId('email-frame') as HTMLIFrameElement;
    expect(frame.getAttribute('sandbox')).not.toContain('allow-scripts');
    const doc = frame.getAttribute('srcdoc')!;
    expect(doc).toContain('<p>Hello</p>');
    expect(doc).not.toMatch(/<script|javascript:|t\.example/);
    fireEvent.click(screen.getByText('Show remote images (1)'));
    expect((screen.getByTestId('email-frame') as HTMLIFrameElement).getAttribute('srcdoc')).toContain('https://t.example/p.gif');
  });

  it('offers retry for a send that failed before reaching the server', () => {
    const retry = vi.fn();
    const pending = { localId: 'l1', text: 'hello?', isNote: false, error: 'network down' };
    render(wrap(<Timeline messages={[]} conversation={conv({})} pending={[pending]} onRetryPending={retry} />));
    expect(screen.getByText('Not sent: network down')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(retry).toHaveBeenCalledWith(pending);
  });
});

describe('LoginPage', () => {
  it.each([
    ['fr', 'Mot de passe', 'Se connecter'],
    ['uk', 'Пароль', 'Увійти'],
    ['es', 'Contraseña', 'Entrar'],
  ])('speaks %s', async (lng, password, submit) => {
    await i18n.changeLanguage(lng);
    render(
      wrap(
        <SessionProvider>
          <LoginPage />
        </SessionProvider>,
      ),
    );
    expect(screen.getByLabelText(password)).toBeTruthy();
    expect(screen.getByRole('button', { name: submit })).toBeTruthy();
  });

  it('shows the server message when the password is wrong', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ statusCode: 401, code: 'INVALID_CREDENTIALS', message: 'wrong email or password' }), { status: 401 })),
    );
    render(
      wrap(
        <SessionProvider>
          <LoginPage />
        </SessionProvider>,
      ),
    );
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'a@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('wrong email or password');
  });
});
