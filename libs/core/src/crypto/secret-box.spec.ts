import { randomBytes } from 'node:crypto';
import { SecretBox, hashToken, newToken, safeEqual } from './secret-box';

describe('SecretBox', () => {
  const sut = new SecretBox(randomBytes(32));

  it('round-trips a sealed value without showing it', () => {
    const sealed = sut.seal({ password: 'hunter2' });
    expect(sealed).not.toContain('hunter2');
    expect(sut.open(sealed)).toEqual({ password: 'hunter2' });
  });

  it('refuses a tampered value and another key', () => {
    const sealed = sut.seal({ a: 1 });
    const parts = sealed.split('.');
    parts[3] = Buffer.from('{"a":2}').toString('base64url');
    expect(() => sut.open(parts.join('.'))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
  });
});

describe('tokens', () => {
  it('are prefixed, random, and hashed stably', () => {
    const a = newToken('bot');
    expect(a).toMatch(/^bot_[A-Za-z0-9_-]{43}$/);
    expect(newToken('bot')).not.toBe(a);
    expect(hashToken(a)).toBe(hashToken(a));
    expect(hashToken(a)).not.toContain(a);
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
