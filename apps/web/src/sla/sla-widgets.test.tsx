import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18n from '../i18n/i18n';
import type { ConversationSummary, MessageSummary } from '../api/types';
import { HandoffBanner, SlaBadge, SlaWatch, countdown } from './sla-widgets';
import { aConversation } from '../testing/factories';

const NOW = Date.parse('2026-11-30T10:00:00.000Z');

const conv = (o: Partial<ConversationSummary>): ConversationSummary =>
  aConversation({ lastMessageAt: '2026-11-30T09:00:00.000Z', createdAt: '2026-11-30T09:00:00.000Z', updatedAt: '2026-11-30T09:00:00.000Z', ...o });

const sla = (o: Partial<NonNullable<ConversationSummary['sla']>>): ConversationSummary['sla'] => ({
  policyId: 'p1',
  policyName: 'Standard',
  firstResponseDueAt: null,
  nextResponseDueAt: null,
  resolutionDueAt: null,
  dueAt: null,
  state: 'ok',
  paused: false,
  breaches: [],
  ...o,
});

beforeEach(async () => {
  await i18n.changeLanguage('en');
  vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('countdown', () => {
  it.each([
    [65_000, '1m 05s'],
    [3 * 3600_000 + 7 * 60_000, '3h 07m'],
    [-30_000, '-0m 30s'],
  ])('%s ms reads %s', (ms, text) => {
    expect(countdown(ms)).toBe(text);
  });
});

describe('SlaBadge', () => {
  it('shows nothing without a policy', () => {
    render(<SlaBadge c={conv({})} />);
    expect(screen.queryByTestId('sla-badge')).toBeNull();
  });

  it('counts down to the due time', () => {
    render(<SlaBadge c={conv({ sla: sla({ dueAt: new Date(NOW + 90_000).toISOString(), state: 'ok' }) })} />);
    expect(screen.getByTestId('sla-badge').textContent).toBe('SLA 1m 30s');
    expect(screen.getByTestId('sla-badge').dataset.state).toBe('ok');
  });

  it('turns red (breached) once the due time passed, before the server says so', () => {
    render(<SlaBadge c={conv({ sla: sla({ dueAt: new Date(NOW - 5_000).toISOString(), state: 'warning' }) })} />);
    expect(screen.getByTestId('sla-badge').dataset.state).toBe('breached');
    expect(screen.getByTestId('sla-badge').className).toContain('sla-breached');
  });

  it('says paused while the clock is stopped, in the reader’s language', async () => {
    await i18n.changeLanguage('fr');
    render(<SlaBadge c={conv({ sla: sla({ paused: true, state: 'ok' }) })} />);
    expect(screen.getByTestId('sla-badge').textContent).toBe('SLA en pause');
  });
});

describe('SlaWatch', () => {
  it('lists conversations at risk, soonest due first, and leaves the ones with time to spare out', () => {
    const list = [
      conv({ id: 'later', contactName: 'Later', sla: sla({ dueAt: new Date(NOW + 2 * 3600_000).toISOString() }) }),
      conv({ id: 'soon', contactName: 'Soon', sla: sla({ dueAt: new Date(NOW + 60_000).toISOString() }) }),
      conv({ id: 'late', contactName: 'Late', sla: sla({ dueAt: new Date(NOW - 60_000).toISOString(), state: 'breached' }) }),
    ];
    render(<SlaWatch conversations={list} />);
    expect(screen.getAllByRole('listitem').map((li) => li.querySelector('button')!.textContent)).toEqual(['Late', 'Soon']);
  });
});

describe('HandoffBanner', () => {
  const msg = (o: Partial<MessageSummary>): MessageSummary =>
    ({
      id: 'm1',
      conversationId: 'c1',
      inboxId: 'i1',
      direction: 'outbound',
      kind: 'note',
      authorType: 'user',
      authorId: 'u1',
      text: 'note',
      html: null,
      externalId: null,
      status: null,
      error: null,
      attempts: 0,
      deliveryDeadline: null,
      metadata: {},
      attachments: [],
      sentAt: null,
      createdAt: '2026-11-30T10:00:00.000Z',
      ...o,
    }) as MessageSummary;

  it('pins the latest handoff note with who sent it and to which team', () => {
    render(
      <HandoffBanner
        messages={[
          msg({ id: 'a', text: 'first handoff', metadata: { handoff: { byName: 'Bob', teamName: 'Support' } } }),
          msg({ id: 'b', text: 'a plain note' }),
          msg({ id: 'c', text: 'Charged twice, refund one', metadata: { handoff: { byName: 'Ana', teamName: 'Billing' } } }),
        ]}
      />,
    );
    const banner = screen.getByTestId('handoff-banner');
    expect(banner.textContent).toContain('Handoff from Ana to Billing');
    expect(banner.textContent).toContain('Charged twice, refund one');
  });

  it('shows nothing without a handoff note', () => {
    render(<HandoffBanner messages={[msg({ text: 'a plain note' })]} />);
    expect(screen.queryByTestId('handoff-banner')).toBeNull();
  });
});

describe('sortBySlaDue', () => {
  it('puts the soonest due first and keeps the rest in their order', async () => {
    const { sortBySlaDue } = await import('./sla-order');
    const list = [
      conv({ id: 'none-1' }),
      conv({ id: 'later', sla: sla({ dueAt: new Date(NOW + 600_000).toISOString() }) }),
      conv({ id: 'none-2' }),
      conv({ id: 'overdue', sla: sla({ dueAt: new Date(NOW - 600_000).toISOString() }) }),
    ];
    expect(sortBySlaDue(list).map((c) => c.id)).toEqual(['overdue', 'later', 'none-1', 'none-2']);
  });
});
