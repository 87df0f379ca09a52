import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import { QaScorecards } from './qa-scorecards';
import type { Scorecard } from './qa-types';

const calls: Array<{ method: string; url: string; body: any }> = [];
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const existing: Scorecard = {
  id: 's1',
  name: 'Support basics',
  teamIds: [],
  version: 1,
  sampleSize: 2,
  archived: false,
  criteria: [
    { key: 'greeting', label: 'Greeting', weight: 1, scale: 'yes_no' },
    { key: 'accuracy', label: 'Accuracy', description: 'Facts right', weight: 3, scale: '1-5' },
  ],
};

beforeEach(async () => {
  calls.length = 0;
  await i18n.changeLanguage('en');
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      if (method === 'GET' && url.endsWith('/teams'))
        return json(200, [
          { id: 't-billing', name: 'Billing' },
          { id: 't-tech', name: 'Technical' },
        ]);
      return method === 'GET' ? json(200, [existing]) : json(200, existing);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const fill = (name: string, value: string) => fireEvent.change(document.querySelector(`[name="${name}"]`)!, { target: { value } });

function renderIt() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <QaScorecards />
    </QueryClientProvider>,
  );
}

describe('scorecards', { timeout: 30_000 }, () => {
  it('creates one with keys made from the labels and each criterion on its scale', async () => {
    renderIt();
    await screen.findByTestId('qa-scorecard-row', {}, { timeout: 5000 });
    fill('scorecard-name', 'Chat quality');
    fill('scorecard-sample', '3');
    fill('criterion-label-0', 'First reply');
    fill('criterion-weight-0', '2');
    fill('criterion-scale-0', 'yes_no');
    fireEvent.click(screen.getByRole('button', { name: 'Add a criterion' }));
    fill('criterion-label-1', 'Тон');
    fill('criterion-scale-1', '0-2');
    fireEvent.submit(screen.getByTestId('qa-scorecard-form'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true), { timeout: 5000 });
    expect(calls.find((c) => c.method === 'POST')).toEqual({
      method: 'POST',
      url: '/api/v1/qa/scorecards',
      body: {
        name: 'Chat quality',
        teamIds: [],
        sampleSize: 3,
        criteria: [
          { key: 'first_reply', label: 'First reply', weight: 2, scale: 'yes_no' },
          { key: 'c2', label: 'Тон', weight: 1, scale: '0-2' },
        ],
      },
    });
  });

  it('edits one: the criteria it had keep their keys, a new one gets its own, and the change says it makes a new version', async () => {
    renderIt();
    fireEvent.click(await screen.findByTestId('qa-scorecard-edit', {}, { timeout: 5000 }));
    expect(screen.getByText(/makes a new version/)).toBeTruthy();
    expect((document.querySelector('[name="criterion-label-1"]') as HTMLInputElement).value).toBe('Accuracy');
    fill('criterion-label-0', 'Greeting and name');
    fireEvent.click(screen.getByRole('button', { name: 'Add a criterion' }));
    fill('criterion-label-2', 'Greeting');
    fireEvent.submit(screen.getByTestId('qa-scorecard-form'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true), { timeout: 5000 });
    expect(calls.find((c) => c.method === 'PATCH')).toEqual({
      method: 'PATCH',
      url: '/api/v1/qa/scorecards/s1',
      body: {
        name: 'Support basics',
        teamIds: [],
        sampleSize: 2,
        criteria: [
          { key: 'greeting', label: 'Greeting and name', weight: 1, scale: 'yes_no' },
          { key: 'accuracy', label: 'Accuracy', description: 'Facts right', weight: 3, scale: '1-5' },
          { key: 'greeting_2', label: 'Greeting', weight: 1, scale: '1-5' },
        ],
      },
    });
  });

  it('samples only the ticked teams, and the list names them', async () => {
    calls.length = 0;
    renderIt();
    expect((await screen.findAllByTestId('qa-scorecard-teams', {}, { timeout: 5000 }))[0]!.textContent).toBe('Every team');
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Technical' }, { timeout: 5000 }));
    fill('scorecard-name', 'Tech depth');
    fill('criterion-label-0', 'Diagnosis');
    fireEvent.submit(screen.getByTestId('qa-scorecard-form'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true), { timeout: 5000 });
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({ name: 'Tech depth', teamIds: ['t-tech'] });
  });
});
