import { describe, expect, it } from 'vitest';
import { aMessage } from '../testing/factories';
import { mergeAnswer, newestPerMessage } from './live';

const future = new Date(Date.now() + 60_000).toISOString();

describe('a request answer merged after the live events', () => {
  it('a new reply already sent (the event came first) stays sent; an unknown one is added', () => {
    const sent = aMessage({ id: 'r1', direction: 'outbound', status: 'sent', attempts: 1 });
    const answer = aMessage({ id: 'r1', direction: 'outbound', status: 'queued', attempts: 0 });
    expect(mergeAnswer([sent], answer)).toEqual([sent]);
    expect(mergeAnswer([], answer)).toEqual([answer]);
  });

  it('a retry queues a failed reply again, but not one the new attempt already sent or is sending', () => {
    const answer = aMessage({ id: 'r1', direction: 'outbound', status: 'queued', attempts: 0 });
    const failed = aMessage({ id: 'r1', direction: 'outbound', status: 'failed', attempts: 3, error: 'timeout' });
    expect(mergeAnswer([failed], answer, true)).toEqual([answer]);
    const sent = aMessage({ id: 'r1', direction: 'outbound', status: 'sent', attempts: 1 });
    expect(mergeAnswer([sent], answer, true)).toEqual([sent]);
    const sending = aMessage({ id: 'r1', direction: 'outbound', status: 'sending', attempts: 1, deliveryDeadline: future });
    expect(mergeAnswer([sending], answer, true)).toEqual([sending]);
    const stalled = aMessage({ id: 'r1', direction: 'outbound', status: 'sending', attempts: 1, deliveryDeadline: new Date(Date.now() - 1000).toISOString() });
    expect(mergeAnswer([stalled], answer, true)).toEqual([answer]);
  });
});

describe('live message events out of order', () => {
  it("passes a message's events only when newer than the last one passed for it", () => {
    const newest = newestPerMessage();
    expect(newest('r1', 5)).toBe(true); // sent
    expect(newest('r1', 4)).toBe(false); // sending, relayed late
    expect(newest('r1', 5)).toBe(false); // the same event again (a replay)
    expect(newest('r2', 3)).toBe(true); // another message keeps its own
    expect(newest('r1', 6)).toBe(true);
  });

  it('forgets everything once it holds its limit, rather than growing for ever', () => {
    const newest = newestPerMessage(2);
    newest('a', 9);
    newest('b', 9);
    expect(newest('c', 1)).toBe(true);
    expect(newest('a', 1)).toBe(true);
  });
});
