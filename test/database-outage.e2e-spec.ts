import { bootApp, eventually, TestApp } from './helpers/app';
import { createTestDatabase } from './helpers/test-database';
import { startTcpProxy, TcpProxy } from './helpers/tcp-proxy';

/**
 * PostgreSQL behind a TCP proxy the test can cut (sockets destroyed) or freeze (nothing
 * forwarded, sockets kept open, as in a partition or a frozen primary). The server must answer
 * 503 + Retry-After instead of hanging or answering 500, and recover when the database is back.
 */
describe('database outage', () => {
  const TIMEOUTS = { DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '1500', HEALTH_TIMEOUT_MS: '500' };
  let proxy: TcpProxy;
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    const direct = new URL(await createTestDatabase());
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
    app = await bootApp({ DATABASE_URL: proxy.urlThrough(direct.toString()), ...TIMEOUTS });
    token = await app.login();
  }, 60_000);

  afterAll(async () => {
    proxy?.restore();
    await app?.close();
    await proxy?.close();
  });

  afterEach(() => proxy.restore());

  const expectRecovered = async () => {
    await eventually(async () => (await app.api('GET', '/health')).status === 200, 30_000, 'health to answer 200 again');
    await eventually(async () => (await app.api('GET', '/conversations', { token })).status === 200, 30_000, 'REST to answer 200 again');
  };

  it('answers health with 503 and Retry-After when the database is frozen, and recovers after', async () => {
    expect((await app.api('GET', '/health')).status).toBe(200);
    proxy.freeze();
    // Before the fix this request hung until jest's timeout: it must answer at all, and with 503.
    const health = await app.api('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.database).toBe('down');
    expect(Number(health.headers.get('retry-after'))).toBeGreaterThan(0);
    proxy.restore();
    await expectRecovered();
  }, 60_000);

  it('answers a REST call with 503 DATABASE_UNAVAILABLE and Retry-After when the database is frozen', async () => {
    proxy.freeze();
    const res = await app.api('GET', '/conversations', { token });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('DATABASE_UNAVAILABLE');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // Still bounded while the pool's connections are all stuck behind frozen queries.
    const again = await app.api('GET', '/conversations', { token });
    expect(again.status).toBe(503);
    proxy.restore();
    await expectRecovered();
  }, 60_000);

  it('answers 503 instead of 500 when the connections are cut and new ones refused', async () => {
    proxy.cut();
    const health = await app.api('GET', '/health');
    expect(health.status).toBe(503);
    const res = await app.api('GET', '/conversations', { token });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('DATABASE_UNAVAILABLE');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    proxy.restore();
    await expectRecovered();
  }, 60_000);
});
