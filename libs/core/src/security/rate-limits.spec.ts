import { RateLimiterMemory } from 'rate-limiter-flexible';
import { SharedBudget } from './rate-limits';

/**
 * The shared store here is rate-limiter-flexible's own in-memory limiter (the same interface as
 * the PostgreSQL one the server uses), wrapped to count how often a budget reaches it.
 */
function sharedStore(points: number) {
  const store = new RateLimiterMemory({ points, duration: 60 });
  const calls: number[] = [];
  const counting = {
    consume: (key: string, n: number) => {
      calls.push(n);
      return store.consume(key, n);
    },
  } as unknown as RateLimiterMemory;
  const consumed = async (key: string) => (await store.get(key))?.consumedPoints ?? 0;
  return { store: counting, calls, consumed };
}

describe('SharedBudget', () => {
  it('counts a busy key in memory and adds the hits to the shared counter in a few upserts', async () => {
    const { store, calls, consumed } = sharedStore(100_000);
    const budget = new SharedBudget(store, 100_000);
    for (let i = 0; i < 500; i++) expect((await budget.spend('token')).refused).toBe(false);
    // The first hit asks the shared counter; the rest wait for the sync (every 100 ms) or for half the headroom.
    expect(calls.length).toBeLessThan(10);
    await budget.flush();
    expect(await consumed('token')).toBe(500);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(500);
  });

  it('lets exactly the limit through on one replica, near the limit hit by hit', async () => {
    const { store, consumed } = sharedStore(100);
    const budget = new SharedBudget(store, 100);
    const answers = await Promise.all(Array.from({ length: 130 }, () => budget.spend('ip')));
    expect(answers.filter((a) => !a.refused)).toHaveLength(100);
    const refused = answers.filter((a) => a.refused);
    expect(refused).toHaveLength(30);
    expect(refused[0]).toMatchObject({ remaining: 0, limit: 100 });
    expect(refused[0].msBeforeNext).toBeGreaterThan(0);
    await budget.flush();
    expect(await consumed('ip')).toBe(130);
  });

  it('two replicas on one counter never let more than the limit through', async () => {
    const { store } = sharedStore(300);
    const a = new SharedBudget(store, 300);
    const b = new SharedBudget(store, 300);
    let allowed = 0;
    // Interleaved bursts, no time for a timed sync: the half-headroom rule and the exact path keep the total.
    for (let round = 0; round < 40; round++) {
      const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).spend('token')));
      allowed += burst.filter((x) => !x.refused).length;
    }
    expect(allowed).toBe(300);
  });

  it('reports the shared answer when the store refuses', async () => {
    const { store } = sharedStore(5);
    const budget = new SharedBudget(store, 5);
    for (let i = 0; i < 5; i++) expect((await budget.spend('k')).refused).toBe(false);
    const refused = await budget.spend('k');
    expect(refused.refused).toBe(true);
    expect(refused.remaining).toBe(0);
  });
});
