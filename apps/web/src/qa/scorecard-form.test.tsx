import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import { aMessage } from '../testing/factories';
import { ScorecardForm } from './scorecard-form';
import type { QaReview, Scorecard } from './qa-types';

const calls: Array<{ method: string; url: string; body: any }> = [];
let answer: { status: number; body: unknown } = { status: 201, body: {} };
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const scorecard: Scorecard = {
  id: 's1',
  name: 'Support basics',
  teamIds: [],
  version: 2,
  sampleSize: 2,
  archived: false,
  criteria: [
    { key: 'greeting', label: 'Greeting', weight: 1, scale: 'yes_no' },
    { key: 'accuracy', label: 'Accuracy', description: 'Facts and policy right', weight: 3, scale: '1-5' },
    { key: 'tone', label: 'Tone', weight: 2, scale: '0-2' },
  ],
};
const messages = [
  aMessage({ id: 'm1', text: 'Where is my refund?' }),
  aMessage({ id: 'm2', direction: 'outbound', authorType: 'user', authorId: 'u1', text: 'It was sent yesterday.' }),
  aMessage({ id: 'm3', kind: 'activity', authorType: 'system', text: 'Resolved' }),
];

beforeEach(async () => {
  calls.length = 0;
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ method: init?.method ?? 'GET', url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      return json(answer.status, answer.body);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderForm(onSaved = vi.fn()) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={qc}>
      <ScorecardForm scorecard={scorecard} conversationId="c1" messages={messages} onSaved={onSaved} />
    </QueryClientProvider>,
  );
  return onSaved;
}

const score = (key: string, value: number) => fireEvent.click(document.querySelector(`input[name="score-${key}"][value="${value}"]`)!);

describe('the scorecard', { timeout: 30_000 }, () => {
  it('offers each criterion its own scale: yes/no, 1 to 5, 0 to 2', () => {
    renderForm();
    const marks = (key: string) => [...screen.getByTestId(`criterion-${key}`).querySelectorAll('.qa-mark')].map((l) => l.textContent);
    expect(marks('greeting')).toEqual(['No', 'Yes']);
    expect(marks('accuracy')).toEqual(['1', '2', '3', '4', '5']);
    expect(marks('tone')).toEqual(['0', '1', '2']);
    // Only messages can be commented on, not activity lines.
    const options = [...document.querySelectorAll<HTMLOptionElement>('select[name="message-accuracy"] option')].map((o) => o.value);
    expect(options).toEqual(['', 'm1', 'm2']);
  });

  it('shows the weighted total only once every criterion is scored, and follows every change', () => {
    renderForm();
    expect(screen.getByTestId('qa-total-pending')).toBeTruthy();
    expect((screen.getByTestId('qa-submit') as HTMLButtonElement).disabled).toBe(true);
    score('greeting', 1);
    score('accuracy', 3);
    expect(screen.queryByTestId('qa-total')).toBeNull();
    score('tone', 1);
    // (1×1 + 3×0.5 + 2×0.5) / 6
    expect(screen.getByTestId('qa-total').textContent).toBe('Total: 58.33%');
    score('accuracy', 5);
    expect(screen.getByTestId('qa-total').textContent).toBe('Total: 83.33%');
    score('greeting', 0);
    expect(screen.getByTestId('qa-total').textContent).toBe('Total: 66.67%');
    expect((screen.getByTestId('qa-submit') as HTMLButtonElement).disabled).toBe(false);
  });

  it('writes the total the reader’s way', async () => {
    await i18n.changeLanguage('fr');
    renderForm();
    score('greeting', 1);
    score('accuracy', 3);
    score('tone', 1);
    expect(screen.getByTestId('qa-total').textContent?.replace(/\s/g, ' ')).toBe('Total : 58,33 %');
  });

  it('submits every score with its comment and the message it is about, then hands back the saved review', async () => {
    const saved = { id: 'r1', totalPercent: 58.33 } as QaReview;
    answer = { status: 201, body: saved };
    const onSaved = renderForm();
    score('greeting', 1);
    score('accuracy', 3);
    score('tone', 1);
    fireEvent.change(document.querySelector('textarea[name="comment-accuracy"]')!, { target: { value: '  Check the refund policy ' } });
    fireEvent.change(document.querySelector('select[name="message-accuracy"]')!, { target: { value: 'm2' } });
    fireEvent.change(document.querySelector('textarea[name="qa-summary"]')!, { target: { value: 'Good start' } });
    fireEvent.submit(screen.getByTestId('qa-scorecard'));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(saved));
    expect(calls).toEqual([
      {
        method: 'POST',
        url: '/api/v1/qa/reviews',
        body: {
          conversationId: 'c1',
          scorecardId: 's1',
          summary: 'Good start',
          scores: [
            { key: 'greeting', score: 1 },
            { key: 'accuracy', score: 3, comment: 'Check the refund policy', messageId: 'm2' },
            { key: 'tone', score: 1 },
          ],
        },
      },
    ]);
  });

  it('says why a review was refused', async () => {
    answer = { status: 409, body: { statusCode: 409, code: 'CONFLICT', message: 'this conversation is already reviewed with this scorecard' } };
    const onSaved = renderForm();
    score('greeting', 1);
    score('accuracy', 3);
    score('tone', 1);
    fireEvent.submit(screen.getByTestId('qa-scorecard'));
    expect((await screen.findByRole('alert')).textContent).toContain('already reviewed');
    expect(onSaved).not.toHaveBeenCalled();
  });
});
