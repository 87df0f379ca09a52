import { createHmac } from 'node:crypto';
import { outcomeOf, shouldDisable, signedRequest, subscriptionWants, webhookEventsOf } from './webhook-events.util';

const conv = (status: string) => ({ type: 'conversation.updated', payload: { status } }) as never;

describe('webhookEventsOf', () => {
  it('names an update that resolved the conversation twice', () => {
    expect(webhookEventsOf(conv('resolved'))).toEqual(['conversation.updated', 'conversation.resolved']);
    expect(webhookEventsOf(conv('open'))).toEqual(['conversation.updated']);
  });
  it('keeps routing internals out', () => {
    expect(webhookEventsOf({ type: 'conversation.offered', payload: {} } as never)).toEqual([]);
    expect(webhookEventsOf({ type: 'agent.presence', payload: {} } as never)).toEqual([]);
    expect(webhookEventsOf({ type: 'message.created', payload: {} } as never)).toEqual(['message.created']);
    expect(webhookEventsOf({ type: 'csat.received', payload: {} } as never)).toEqual(['csat.received']);
    expect(webhookEventsOf({ type: 'sla.breached', payload: {} } as never)).toEqual(['sla.breached']);
    expect(webhookEventsOf({ type: 'queue.stats', payload: {} } as never)).toEqual([]);
  });
});

describe('subscriptionWants', () => {
  const base = { events: ['message.created'], inboxIds: null, bot: null };
  it('delivers only the events asked for, in the inboxes asked for', () => {
    expect(subscriptionWants(base, 'message.created', { inboxId: 'a', isNote: false })).toBe(true);
    expect(subscriptionWants(base, 'conversation.created', { inboxId: 'a', isNote: false })).toBe(false);
    expect(subscriptionWants({ ...base, inboxIds: ['b'] }, 'message.created', { inboxId: 'a', isNote: false })).toBe(false);
  });
  it('narrows a bot subscription to the bot scope, and hides notes from bots', () => {
    const bot = { ...base, bot: { inboxIds: ['a'], active: true } };
    expect(subscriptionWants(bot, 'message.created', { inboxId: 'a', isNote: false })).toBe(true);
    expect(subscriptionWants(bot, 'message.created', { inboxId: 'b', isNote: false })).toBe(false);
    expect(subscriptionWants(bot, 'message.created', { inboxId: 'a', isNote: true })).toBe(false);
    expect(subscriptionWants({ ...bot, bot: { inboxIds: null, active: false } }, 'message.created', { inboxId: 'a', isNote: false })).toBe(false);
    expect(subscriptionWants(base, 'message.created', { inboxId: 'a', isNote: true })).toBe(true);
  });
});

describe('signedRequest', () => {
  it('signs the raw body, which carries the timestamp header value', () => {
    const sut = signedRequest({ id: 'd1', event: 'message.created', data: { text: 'hé' } }, 'secret', new Date('2026-01-01T00:00:00Z'));
    expect(JSON.parse(sut.body)).toEqual({ id: 'd1', event: 'message.created', timestamp: 1767225600, data: { text: 'hé' } });
    expect(sut.headers['x-inbox-timestamp']).toBe('1767225600');
    expect(sut.headers['x-inbox-signature']).toBe(`sha256=${createHmac('sha256', 'secret').update(sut.body).digest('hex')}`);
    expect(sut.headers['x-inbox-delivery']).toBe('d1');
  });
});

describe('outcomeOf', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [500, 'retry'],
    [503, 'retry'],
    [429, 'retry'],
    [408, 'retry'],
    [null, 'retry'],
    [400, 'failed'],
    [410, 'failed'],
    [301, 'failed'],
  ])('%s → %s', (status, want) => expect(outcomeOf(status as number | null)).toBe(want));
});

describe('shouldDisable', () => {
  const now = new Date('2026-01-10T00:00:00Z');
  it('switches off after the given days of failure only', () => {
    expect(shouldDisable(null, now, 3)).toBe(false);
    expect(shouldDisable(new Date('2026-01-08T00:00:01Z'), now, 3)).toBe(false);
    expect(shouldDisable(new Date('2026-01-07T00:00:00Z'), now, 3)).toBe(true);
  });
});
