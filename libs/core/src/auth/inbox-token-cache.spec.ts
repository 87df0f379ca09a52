import { InboxTokenCache } from './inbox-token-cache';

describe('InboxTokenCache', () => {
  it('answers what it was told, forgets on demand', () => {
    const cache = new InboxTokenCache();
    expect(cache.inboxOf('h1')).toBeUndefined();
    cache.remember('h1', 'inbox-1');
    expect(cache.inboxOf('h1')).toBe('inbox-1');
    cache.forget('h1');
    expect(cache.inboxOf('h1')).toBeUndefined();
  });

  it('holds at most MAX tokens, dropping the oldest first', () => {
    const cache = new InboxTokenCache();
    for (let i = 0; i <= InboxTokenCache.MAX; i++) cache.remember(`h${i}`, `inbox-${i}`);
    expect(cache.inboxOf('h0')).toBeUndefined();
    expect(cache.inboxOf('h1')).toBe('inbox-1');
    expect(cache.inboxOf(`h${InboxTokenCache.MAX}`)).toBe(`inbox-${InboxTokenCache.MAX}`);
  });
});
