import { cleanup, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import type { MessageSummary } from '../api/types';
import { ConversationStore } from '../live/conversation-store';
import { LiveContext, type Live } from '../live/live';
import { Timeline } from '../inbox/timeline';
import { aConversation, aMessage } from '../testing/factories';

const conv = aConversation({ channel: 'webchat' });
const msg = (o: Partial<MessageSummary>): MessageSummary => aMessage({ direction: 'outbound', authorType: 'bot', authorId: 'b1', status: 'sent', ...o });

const live = (): Live =>
  ({
    store: new ConversationStore(),
    connected: true,
    presence: 'online',
    offers: [],
    typing: {},
    setViewing: () => undefined,
    command: async () => ({}),
    dismissOffer: () => undefined,
    onEvent: () => () => undefined,
  }) as unknown as Live;

beforeEach(async () => {
  Element.prototype.scrollIntoView ??= () => undefined; // jsdom lays nothing out
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => new Response(JSON.stringify(url.endsWith('/directory/bots') ? [{ id: 'b1', name: 'FAQ bot', active: true }] : []), { status: 200 })),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('timeline authorship', () => {
  it('names the bot that wrote, and marks it as a bot', async () => {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={qc}>
        <MemoryRouter>
          <LiveContext.Provider value={live()}>
            <Timeline
              messages={[msg({ id: 'x', text: 'Refunds take 5 days.' }), msg({ id: 'y', authorId: 'gone', text: 'From a deleted bot' })]}
              conversation={conv}
              pending={[]}
              onRetryPending={() => undefined}
            />
          </LiveContext.Provider>
        </MemoryRouter>
      </QueryClientProvider>,
    );
    const [named, unknown] = screen.getAllByTestId('message');
    expect(await within(named).findByText('FAQ bot')).toBeTruthy();
    expect(within(named).getByText('Bot')).toBeTruthy();
    expect(within(unknown).getByText('Bot')).toBeTruthy();
  });
});
