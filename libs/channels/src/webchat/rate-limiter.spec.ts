import { KeyedRateLimiter } from './rate-limiter';

describe('KeyedRateLimiter', () => {
  it('allows a burst up to capacity, then refuses until tokens refill', () => {
    const sut = new KeyedRateLimiter(3, 1);
    const t0 = 1_000_000;
    expect([1, 2, 3, 4].map(() => sut.take('a', t0))).toEqual([true, true, true, false]);
    expect(sut.take('a', t0 + 500)).toBe(false);
    expect(sut.take('a', t0 + 1000)).toBe(true);
    expect(sut.take('a', t0 + 1000)).toBe(false);
  });

  it('keeps keys apart', () => {
    const sut = new KeyedRateLimiter(1, 1);
    expect(sut.take('visitor-1', 0)).toBe(true);
    expect(sut.take('visitor-1', 0)).toBe(false);
    expect(sut.take('visitor-2', 0)).toBe(true);
  });

  it('never refills above capacity', () => {
    const sut = new KeyedRateLimiter(2, 100);
    sut.take('a', 0);
    expect([1, 2, 3].map(() => sut.take('a', 60_000))).toEqual([true, true, false]);
  });

  it('bounds its memory by forgetting idle keys', () => {
    const sut = new KeyedRateLimiter(1, 1, 10);
    for (let i = 0; i < 10; i++) sut.take(`k${i}`, 0);
    expect(sut.take('k0', 0)).toBe(false);
    expect(sut.take('new', 10_000)).toBe(true);
    expect(sut.take('k0', 10_000)).toBe(true);
  });
});
