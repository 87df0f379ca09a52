import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import { auth } from '../api/client';
import { ConversationStore } from '../live/conversation-store';
import { LiveContext, type Live } from '../live/live';
import { SessionProvider, useSession } from '../session/session';
import { aConversation, aMessage } from '../testing/factories';
import { Composer, type Draft } from './composer';
import { Timeline } from './timeline';

const me = { id: 'me', email: 'me@example.com', name: 'Me Myself', role: 'agent', languages: [], skills: [], capacity: {}, locale: 'en', active: true, createdAt: '' };
const teammates = [
  { id: 'u1', name: 'Ana Agent', role: 'agent' },
  { id: 'u2', name: 'Bo Brown', role: 'coordinator' },
];

const live: Live = {
  store: new ConversationStore(),
  connected: true,
  presence: 'online',
  offers: [],
  typing: {},
  setViewing: () => undefined,
  command: async () => ({}),
  dismissOffer: () => undefined,
  onEvent: () => () => undefined,
};

function SignedIn({ children }: { children: React.ReactNode }) {
  return useSession().user ? <>{children}</> : null;
}

function renderSignedIn(children: React.ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <MemoryRouter>
        <SessionProvider>
          <LiveContext.Provider value={live}>
            <SignedIn>{children}</SignedIn>
          </LiveContext.Provider>
        </SessionProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(async () => {
  Element.prototype.scrollIntoView ??= () => undefined;
  await i18n.changeLanguage('en');
  auth.set('test-token');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const body = url.endsWith('/auth/me') ? { type: 'user', user: me } : url.endsWith('/mentionable') ? teammates : url.includes('/contacts/') ? { id: 'k1', name: 'Chloé' } : [];
      return new Response(JSON.stringify(body), { status: 200 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  auth.set(null);
});

async function noteComposer() {
  const sent: Draft[] = [];
  renderSignedIn(<Composer conversation={aConversation()} onSend={(d) => sent.push(d)} />);
  fireEvent.click(await screen.findByTestId('mode-note'));
  const box = screen.getByTestId('composer-text') as HTMLTextAreaElement;
  const type = (text: string) => fireEvent.change(box, { target: { value: text, selectionStart: text.length, selectionEnd: text.length } });
  return { sent, box, type };
}

describe('the note composer’s @mentions', () => {
  it('lists teammates after @, moves with the arrows and inserts the chosen one with Enter', async () => {
    const { sent, box, type } = await noteComposer();
    type('please check @');
    const menu = await screen.findByTestId('mention-menu');
    expect(
      within(menu)
        .getAllByRole('option')
        .map((o) => o.textContent?.trim()),
    ).toEqual(['A Ana Agent', 'B Bo Brown']);
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(within(menu).getByRole('option', { selected: true }).textContent).toContain('Bo Brown');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.value).toBe('please check @Bo Brown ');
    expect(screen.queryByTestId('mention-menu')).toBeNull();

    fireEvent.keyDown(box, { key: 'Enter', ctrlKey: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ isNote: true, text: 'please check @Bo Brown ', mentions: ['u2'] });
  });

  it('filters as one types, closes with Escape, and drops a mention whose name was deleted', async () => {
    const { sent, box, type } = await noteComposer();
    type('@an');
    const menu = await screen.findByTestId('mention-menu');
    expect(within(menu).getAllByRole('option')).toHaveLength(1);
    fireEvent.keyDown(box, { key: 'Tab' });
    expect(box.value).toBe('@Ana Agent ');
    type('@Ana Agent and @b');
    await screen.findByTestId('mention-menu');
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(screen.queryByTestId('mention-menu')).toBeNull();
    // The text no longer names Ana: she is not mentioned.
    type('never mind');
    fireEvent.keyDown(box, { key: 'Enter', ctrlKey: true });
    expect(sent[0].mentions).toEqual([]);
  });

  it('offers no list in reply mode', async () => {
    const sent: Draft[] = [];
    renderSignedIn(<Composer conversation={aConversation()} onSend={(d) => sent.push(d)} />);
    const box = (await screen.findByTestId('composer-text')) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: '@', selectionStart: 1, selectionEnd: 1 } });
    await act(async () => undefined);
    expect(screen.queryByTestId('mention-menu')).toBeNull();
  });
});

describe('mentions in the timeline', () => {
  it('highlights the names a note mentions, mine apart', async () => {
    const note = aMessage({
      id: 'n1',
      kind: 'note',
      direction: 'outbound',
      authorType: 'user',
      authorId: 'u1',
      text: '@Me Myself and @Bo Brown, see this; @Nobody is plain text',
      metadata: {
        mentions: [
          { userId: 'me', name: 'Me Myself' },
          { userId: 'u2', name: 'Bo Brown' },
        ],
      },
    });
    renderSignedIn(<Timeline messages={[note]} conversation={aConversation()} pending={[]} onRetryPending={() => undefined} />);
    const marks = await screen.findAllByTestId('mention');
    expect(marks.map((m) => [m.textContent, m.classList.contains('mention-me')])).toEqual([
      ['@Me Myself', true],
      ['@Bo Brown', false],
    ]);
    expect(screen.getByTestId('message').querySelector('.text')!.textContent).toBe('@Me Myself and @Bo Brown, see this; @Nobody is plain text');
  });
});
