import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactNode } from 'react';
import i18n from '../i18n/i18n';
import { Timeline } from './timeline';
import { callLength } from './call-entry';
import { aConversation, aMessage } from '../testing/factories';

const conv = aConversation({ channel: 'phone', contactName: 'Olena' });
const msg = aMessage;
const call = (o: Record<string, unknown>) => ({
  direction: 'inbound',
  status: 'completed',
  startedAt: '2026-11-30T10:00:00.000Z',
  answeredAt: '2026-11-30T10:00:08.000Z',
  endedAt: '2026-11-30T10:03:20.000Z',
  durationSeconds: 192,
  agentId: null,
  agentName: 'Ana',
  agentEmail: 'ana@example.com',
  recordingUrl: 'https://pbx.example.com/r/1.mp3',
  transcript: 'Hello, about my invoice…',
  notes: 'Invoice 4471',
  source: 'telephony',
  ...o,
});

function wrap(children: ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return (
    <QueryClientProvider client={qc}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
}

beforeAll(() => {
  Element.prototype.scrollIntoView ??= () => undefined;
});
beforeEach(async () => {
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response('[]', { status: 200 })),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('calls in the timeline', () => {
  it('shows a completed call with its direction, duration, agent, recording link, notes and a collapsed transcript', () => {
    render(
      wrap(
        <Timeline
          messages={[msg({ id: 'k', kind: 'call', text: 'Inbound call, completed', metadata: { call: call({}) } })]}
          conversation={conv}
          pending={[]}
          onRetryPending={() => undefined}
        />,
      ),
    );
    const entry = screen.getByTestId('call');
    expect(entry.dataset.status).toBe('completed');
    expect(within(entry).getByText(/Inbound call/)).toBeTruthy();
    expect(within(entry).getByTestId('call-status').textContent).toBe('completed');
    expect(within(entry).getByTestId('call-duration').textContent).toBe('Duration: 3:12');
    expect(within(entry).getByText(/Agent: Ana/)).toBeTruthy();
    expect(within(entry).getByRole('link', { name: 'Recording' }).getAttribute('href')).toBe('https://pbx.example.com/r/1.mp3');
    expect(within(entry).getByText('Invoice 4471')).toBeTruthy();
    const details = entry.querySelector('details')!;
    expect(details.open).toBe(false);
    fireEvent.click(within(entry).getByText('Transcript'));
    expect(within(entry).getByText('Hello, about my invoice…')).toBeTruthy();
    expect(screen.queryAllByTestId('message')).toHaveLength(0);
  });

  it('shows a missed call without duration, and never links a recording that is not http(s)', () => {
    render(
      wrap(
        <Timeline
          messages={[
            msg({
              id: 'k',
              kind: 'call',
              text: 'missed',
              metadata: {
                call: call({
                  status: 'missed',
                  durationSeconds: 0,
                  answeredAt: null,
                  agentName: null,
                  agentEmail: null,
                  recordingUrl: 'javascript:alert(1)',
                  transcript: null,
                  notes: null,
                }),
              },
            }),
          ]}
          conversation={conv}
          pending={[]}
          onRetryPending={() => undefined}
        />,
      ),
    );
    const entry = screen.getByTestId('call');
    expect(within(entry).getByTestId('call-status').textContent).toBe('missed');
    expect(within(entry).queryByTestId('call-duration')).toBeNull();
    expect(within(entry).queryByRole('link')).toBeNull();
  });

  it("speaks the reader's language", async () => {
    await i18n.changeLanguage('uk');
    render(
      wrap(
        <Timeline
          messages={[msg({ id: 'k', kind: 'call', direction: 'outbound', metadata: { call: call({ direction: 'outbound', source: 'manual' }) } })]}
          conversation={conv}
          pending={[]}
          onRetryPending={() => undefined}
        />,
      ),
    );
    expect(screen.getByText(/Вихідний дзвінок/)).toBeTruthy();
    expect(screen.getByTestId('call-duration').textContent).toBe('Тривалість: 3:12');
    expect(screen.getByText(/внесено вручну/)).toBeTruthy();
  });
});

describe('failed replies on Telegram, X and phone', () => {
  it.each([
    ['TELEGRAM_BLOCKED: Forbidden: bot was blocked by the user', 'en', 'The customer blocked the bot (Forbidden: bot was blocked by the user)'],
    [
      'META_WINDOW_CLOSED: last customer message 2 days ago',
      'uk',
      'Поза вікном обслуговування: клієнт має написати першим (WhatsApp: 24 години; Messenger та Instagram: 7 днів для людини) (last customer message 2 days ago)',
    ],
    [
      'X_REJECTED: Forbidden: You are not permitted to send Direct Messages to this user.',
      'fr',
      'X a refusé le message (Forbidden: You are not permitted to send Direct Messages to this user.)',
    ],
    [
      'PHONE_NO_MESSAGES: a phone inbox cannot send messages',
      'it',
      'Una casella telefonica non invia messaggi: richiama il cliente e registra la chiamata (a phone inbox cannot send messages)',
    ],
    ['webhook answered 400', 'en', 'webhook answered 400'],
  ])('%s (%s)', async (error, lng, shown) => {
    await i18n.changeLanguage(lng);
    render(
      wrap(
        <Timeline
          messages={[msg({ id: 'e', direction: 'outbound', authorType: 'user', text: 'x', status: 'failed', error })]}
          conversation={conv}
          pending={[]}
          onRetryPending={() => undefined}
        />,
      ),
    );
    expect(screen.getByText(`· ${shown}`)).toBeTruthy();
  });
});

describe('callLength', () => {
  it.each([
    [0, '0:00'],
    [192, '3:12'],
    [3725, '1:02:05'],
  ])('%s s → %s', (s, shown) => expect(callLength(s)).toBe(shown));
});
