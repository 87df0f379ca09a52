import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import { CsatRating, csatKey } from './csat-rating';
import { CsatSettingsForm } from './csat-settings';
import type { ConversationCsat } from './qa-types';

const calls: Array<{ method: string; url: string; body: any }> = [];
let answers: Record<string, { status: number; body: unknown }> = {};
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

beforeEach(async () => {
  calls.length = 0;
  answers = {};
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const a = answers[`${method} ${url.replace(/^\/api\/v1/, '')}`];
      return a ? json(a.status, a.body) : json(404, { code: 'NOT_FOUND', message: 'not found' });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const client = () => new QueryClient({ defaultOptions: { queries: { retry: false } } });

describe('the rating in the conversation header', { timeout: 30_000 }, () => {
  it('waits for the survey, then shows the stars and the comment when the rating arrives', async () => {
    answers['GET /conversations/c1/csat'] = {
      status: 200,
      body: { survey: { status: 'sent', channel: 'email', locale: 'en', scale: 'stars', sentAt: '2026-12-01T09:00:00Z', expiresAt: null }, rating: null },
    };
    const qc = client();
    render(
      <QueryClientProvider client={qc}>
        <CsatRating conversationId="c1" />
      </QueryClientProvider>,
    );
    expect((await screen.findByTestId('csat-awaiting')).textContent).toBe('Survey sent, not rated yet');
    // What live.tsx does with `csat.received`.
    act(() =>
      qc.setQueryData<ConversationCsat>(csatKey('c1'), (cur) => ({
        survey: cur!.survey,
        rating: { rating: 2, scale: 'stars', comment: 'Too slow', ratedAt: '2026-12-01T10:00:00Z', firstRatedAt: '2026-12-01T10:00:00Z' },
      })),
    );
    const rating = await screen.findByTestId('csat-rating');
    expect(rating.dataset.rating).toBe('2');
    expect(rating.className).toContain('low');
    expect(rating.querySelectorAll('.csat-stars .on')).toHaveLength(2);
    expect(screen.getByTestId('csat-rating-label').textContent).toBe('2 / 5');
    expect(screen.getByTestId('csat-comment').textContent).toBe('Too slow');
  });

  it('shows thumbs as satisfied or not, and nothing when no survey went out', async () => {
    answers['GET /conversations/c1/csat'] = {
      status: 200,
      body: { survey: null, rating: { rating: 5, scale: 'thumbs', comment: null, ratedAt: '2026-12-01T10:00:00Z', firstRatedAt: '2026-12-01T10:00:00Z' } },
    };
    answers['GET /conversations/c2/csat'] = { status: 200, body: { survey: null, rating: null } };
    render(
      <QueryClientProvider client={client()}>
        <CsatRating conversationId="c1" />
        <div data-testid="c2">
          <CsatRating conversationId="c2" />
        </div>
      </QueryClientProvider>,
    );
    expect((await screen.findByTestId('csat-rating-label')).textContent).toBe('Satisfied');
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/c2/csat'))).toBe(true));
    expect(screen.getByTestId('c2').textContent).toBe('');
  });
});

describe('the survey settings of an inbox', { timeout: 30_000 }, () => {
  it('shows the defaults as placeholders and saves only the questions written', async () => {
    const defaults = {
      en: 'How would you rate the help you received?',
      fr: 'Comment évalueriez-vous ?',
      it: 'Come valuteresti?',
      es: '¿Cómo valorarías?',
      uk: 'Як би ви оцінили?',
    };
    answers['GET /inboxes/i1/csat'] = {
      status: 200,
      body: { inboxId: 'i1', enabled: false, scale: 'stars', questions: { fr: 'Satisfait ?' }, delaySeconds: 3600, frequencyDays: 0, defaults },
    };
    answers['PUT /inboxes/i1/csat'] = { status: 200, body: { inboxId: 'i1', enabled: true, scale: 'thumbs', questions: {}, delaySeconds: 90, frequencyDays: 30, defaults } };
    render(
      <QueryClientProvider client={client()}>
        <CsatSettingsForm inboxId="i1" />
      </QueryClientProvider>,
    );
    await screen.findByTestId('csat-settings');
    const input = (name: string) => document.querySelector<HTMLInputElement>(`[name="${name}"]`)!;
    expect(input('csat-question-uk').placeholder).toBe('Як би ви оцінили?');
    expect(input('csat-question-fr').value).toBe('Satisfait ?');
    expect(input('csat-delay').value).toBe('60');
    fireEvent.click(input('csat-enabled'));
    fireEvent.change(input('csat-scale'), { target: { value: 'thumbs' } });
    fireEvent.change(input('csat-delay'), { target: { value: '1.5' } });
    fireEvent.change(input('csat-frequency'), { target: { value: '30' } });
    fireEvent.change(input('csat-question-fr'), { target: { value: ' ' } });
    fireEvent.change(input('csat-question-es'), { target: { value: '¿Todo bien?' } });
    fireEvent.submit(screen.getByTestId('csat-settings'));
    await screen.findByTestId('csat-saved');
    expect(calls.find((c) => c.method === 'PUT')).toEqual({
      method: 'PUT',
      url: '/api/v1/inboxes/i1/csat',
      body: { enabled: true, scale: 'thumbs', delaySeconds: 90, frequencyDays: 30, questions: { es: '¿Todo bien?' } },
    });
  });
});
