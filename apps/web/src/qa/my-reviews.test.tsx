import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import { uk } from '../i18n/locales/uk';
import { aMessage } from '../testing/factories';
import { MyReviews } from './my-reviews';
import type { QaReview } from './qa-types';

const calls: Array<{ method: string; url: string; body: any }> = [];
let answers: Record<string, { status: number; body: unknown }> = {};
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const review: QaReview = {
  id: 'r1',
  conversationId: 'c1',
  agentId: 'u-ana',
  agentName: 'Ana',
  reviewerId: 'u-cora',
  reviewerName: 'Cora',
  scorecardId: 's1',
  scorecardVersion: 1,
  scorecardName: 'Support basics',
  criteria: [
    { key: 'greeting', label: 'Greeting', weight: 1, scale: 'yes_no' },
    { key: 'accuracy', label: 'Accuracy', weight: 3, scale: '1-5' },
  ],
  scores: [
    { key: 'greeting', score: 1, comment: null, messageId: null },
    { key: 'accuracy', score: 3, comment: 'Check the refund policy', messageId: 'm2' },
  ],
  totalPercent: 62.5,
  summary: 'Good start',
  acknowledgedAt: null,
  agentReply: null,
  agentRepliedAt: null,
  createdAt: '2026-11-30T10:00:00.000Z',
};

beforeEach(async () => {
  calls.length = 0;
  answers = {
    'GET /qa/reviews/mine': { status: 200, body: [review] },
    'GET /conversations/c1/messages': { status: 200, body: { items: [aMessage({ id: 'm1' }), aMessage({ id: 'm2', direction: 'outbound', text: 'Refunds take 30 days.' })] } },
    'POST /qa/reviews/r1/acknowledge': { status: 200, body: { ...review, acknowledgedAt: '2026-12-01T09:00:00.000Z' } },
    'POST /qa/reviews/r1/reply': {
      status: 200,
      body: { ...review, acknowledgedAt: '2026-12-01T09:00:00.000Z', agentReply: 'Thanks, noted', agentRepliedAt: '2026-12-01T09:05:00.000Z' },
    },
  };
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const a = answers[`${method} ${url.replace(/^\/api\/v1/, '').split('?')[0]}`];
      return a ? json(a.status, a.body) : json(404, { code: 'NOT_FOUND', message: 'not found' });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderMine() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <MemoryRouter>
        <MyReviews />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

const posts = () => calls.filter((c) => c.method === 'POST');

describe('my reviews', { timeout: 30_000 }, () => {
  it('shows the review read-only: marks, comments quoting their message, summary, total', async () => {
    renderMine();
    const card = await screen.findByTestId('qa-review');
    expect(screen.getByTestId('qa-review-total').textContent).toBe('62.5%');
    expect(screen.getByTestId('review-criterion-greeting').querySelector('[data-testid=review-mark]')!.textContent).toBe('Yes');
    expect(screen.getByTestId('review-criterion-accuracy').querySelector('[data-testid=review-mark]')!.textContent).toBe('3 / 5');
    expect(screen.getByTestId('review-comment').textContent).toContain('Check the refund policy');
    await waitFor(() => expect(screen.getByTestId('review-comment-message').textContent).toBe('On the message “Refunds take 30 days.”'));
    expect(screen.getByTestId('review-summary').textContent).toBe('Good start');
    // Nothing to edit: no scores to change.
    expect(card.querySelector('input[type=radio]')).toBeNull();
  });

  it('acknowledges a review once: the button gives way to the date', async () => {
    renderMine();
    fireEvent.click(await screen.findByTestId('qa-acknowledge'));
    await screen.findByTestId('qa-acknowledged');
    expect(screen.queryByTestId('qa-acknowledge')).toBeNull();
    expect(posts()).toEqual([{ method: 'POST', url: '/api/v1/qa/reviews/r1/acknowledge', body: {} }]);
  });

  it('sends one reply, then shows it instead of the form', async () => {
    renderMine();
    expect(((await screen.findByTestId('qa-send-reply')) as HTMLButtonElement).disabled).toBe(true);
    const box = document.querySelector<HTMLTextAreaElement>('textarea[name="qa-reply"]')!;
    fireEvent.change(box, { target: { value: ' Thanks, noted ' } });
    fireEvent.click(screen.getByTestId('qa-send-reply'));
    expect((await screen.findByTestId('qa-reply')).textContent).toContain('Thanks, noted');
    expect(document.querySelector('textarea[name="qa-reply"]')).toBeNull();
    // Replying counts as having read it.
    expect(screen.getByTestId('qa-acknowledged')).toBeTruthy();
    expect(posts()).toEqual([{ method: 'POST', url: '/api/v1/qa/reviews/r1/reply', body: { text: 'Thanks, noted' } }]);
  });

  it('says why an acknowledgement failed, in the reader’s language', async () => {
    await i18n.changeLanguage('uk');
    answers['POST /qa/reviews/r1/acknowledge'] = { status: 403, body: { code: 'FORBIDDEN', message: 'only the reviewed agent acknowledges or answers a review' } };
    renderMine();
    fireEvent.click(await screen.findByRole('button', { name: uk.qa.mine.acknowledge }));
    expect((await screen.findByRole('alert')).textContent).toContain('Не збережено');
    expect(screen.getByTestId('qa-acknowledge')).toBeTruthy();
  });

  it('says so when nobody reviewed the person yet', async () => {
    answers['GET /qa/reviews/mine'] = { status: 200, body: [] };
    renderMine();
    expect((await screen.findByTestId('qa-mine-empty')).textContent).toBe('No reviews of your conversations yet.');
  });
});
