import { FREE_LOGIN_FAILURES, MAX_LOGIN_DELAY_SECONDS, loginDelaySeconds } from './login-delay.util';

describe('loginDelaySeconds', () => {
  it('lets the first failures through without delay', () => {
    for (let f = 0; f <= FREE_LOGIN_FAILURES; f++) expect(loginDelaySeconds(f)).toBe(0);
  });

  it('doubles the wait with every further failure', () => {
    const waits = [1, 2, 3, 4, 5].map((n) => loginDelaySeconds(FREE_LOGIN_FAILURES + n));
    expect(waits).toEqual([1, 2, 4, 8, 16]);
  });

  it('never waits longer than the cap, however many failures', () => {
    expect(loginDelaySeconds(1000)).toBe(MAX_LOGIN_DELAY_SECONDS);
    expect(loginDelaySeconds(FREE_LOGIN_FAILURES + 7)).toBe(MAX_LOGIN_DELAY_SECONDS);
  });
});
