import { TestApp, bootApp } from './helpers/app';

/** REST rate limits with real counters in PostgreSQL, shared by two servers on one database. */
describe('API rate limits', () => {
  let sut: TestApp;
  let other: TestApp;
  const LIMIT = 8;

  beforeAll(async () => {
    const env = { RATE_LIMIT_PER_MINUTE: String(LIMIT), RATE_LIMIT_IP_PER_MINUTE: '1000', RATE_LIMIT_INGEST_PER_MINUTE: '1000' };
    sut = await bootApp(env);
    other = await bootApp({ ...env, DATABASE_URL: sut.databaseUrl });
  });

  afterAll(async () => {
    await other?.close();
    await sut?.close();
  });

  it('counts a token across replicas and answers 429 with Retry-After and X-RateLimit-* past the limit', async () => {
    // A second person, created before the admin's budget is spent (two logins of one user in the same
    // second get the same token, hence the same budget).
    const admin = await sut.login();
    const email = `limited-${Date.now()}@example.com`;
    expect((await sut.api('POST', '/users', { token: admin, body: { email, name: 'Second', password: 'second-password-1', role: 'agent' } })).status).toBe(201);
    const token = await sut.login(email, 'second-password-1');
    const seen: Array<{ status: number; remaining: string | null }> = [];
    for (let i = 0; i < LIMIT; i++) {
      const app = i % 2 ? other : sut;
      const res = await app.api('GET', '/teams', { token });
      seen.push({ status: res.status, remaining: res.headers.get('x-ratelimit-remaining') });
      expect(res.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
    }
    expect(seen).toEqual(Array.from({ length: LIMIT }, (_, i) => ({ status: 200, remaining: String(LIMIT - 1 - i) })));
    const limited = await other.api('GET', '/teams', { token });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');

    // Another token has its own budget; the health check is never limited.
    expect((await sut.api('GET', '/teams', { token: admin })).status).toBe(200);
    expect((await sut.api('GET', '/health')).status).toBe(200);
  });
});
