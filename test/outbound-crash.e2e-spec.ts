import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { Client } from 'pg';
import { ADMIN, bootApp, eventually, TestApp, uid } from './helpers/app';
import { createTestDatabase, freePort } from './helpers/test-database';
import { buildServer, Replica, startReplica } from './helpers/replica';
import { startWebhookReceiver } from './helpers/webhook-receiver';

/** A webhook receiver that holds the first delivery open (the sender dies mid-send) and answers 200 afterwards. */
async function startHangingReceiver(): Promise<{ url: string; deliveries: Array<{ delivery: string; at: number }>; firstArrived: Promise<void>; close: () => Promise<void> }> {
  const deliveries: Array<{ delivery: string; at: number }> = [];
  const held: ServerResponse[] = [];
  let arrived!: () => void;
  const firstArrived = new Promise<void>((r) => (arrived = r));
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      deliveries.push({ delivery: String(req.headers['x-inbox-delivery']), at: Date.now() });
      if (deliveries.length === 1) {
        held.push(res);
        arrived();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    deliveries,
    firstArrived,
    close: () =>
      new Promise((r) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const COMMON = {
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  JWT_SECRET: 'test-jwt-secret-that-is-long-enough-0123456789',
  ENCRYPTION_KEY: '0'.repeat(63) + '1',
  OUTBOUND_ALLOW_PRIVATE: 'true',
  OUTBOUND_RETRY_DELAY_SECONDS: '1',
  // The send limit the job expiry is sized to: a few seconds, so the test sees recovery in seconds.
  OUTBOUND_SEND_TIMEOUT_MS: '3000',
  WEBHOOK_TIMEOUT_MS: '60000',
};

/**
 * A real server process is killed with SIGKILL while a reply's webhook call is in flight.
 * The reply must end `sent` (retried by pg-boss once the job's short expiry passes) or
 * `failed` (the reconciler, when no try is left), never stay `queued` for ever.
 */
describe('outbound delivery across a crash mid-send', () => {
  let db: Client;
  let databaseUrl: string;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    buildServer();
  }, 300_000);

  beforeEach(async () => {
    databaseUrl = await createTestDatabase();
    db = new Client({ connectionString: databaseUrl });
    db.on('error', () => undefined);
    await db.connect();
  });

  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!().catch(() => undefined);
    await db.end();
  });

  async function crashMidSend(
    env: Record<string, string>,
  ): Promise<{ hook: Awaited<ReturnType<typeof startHangingReceiver>>; conversationId: string; messageId: string; killedAt: number }> {
    const hook = await startHangingReceiver();
    cleanup.push(hook.close);
    const replica: Replica = await startReplica({ ...COMMON, ...env, DATABASE_URL: databaseUrl, PORT: String(await freePort()) });
    // Killed below; this only covers a test that fails before the kill.
    cleanup.push(() => replica.stop('SIGKILL'));
    const api = async (method: string, path: string, token: string | null, body?: unknown) => {
      const res = await fetch(`${replica.url}/api/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const token = (await api('POST', '/auth/login', null, ADMIN)).body.accessToken;
    const inbox = (await api('POST', '/inboxes', token, { name: `Crash ${uid()}`, channel: 'api', webhookUrl: hook.url })).body;
    const inc = (await api('POST', `/inboxes/${inbox.id}/incoming`, inbox.token, { externalId: uid(), contact: { identifier: uid() }, text: 'hello?' })).body;
    const reply = (await api('POST', `/conversations/${inc.conversationId}/messages`, token, { text: 'answer in flight' })).body;
    await hook.firstArrived;
    await replica.stop('SIGKILL');
    return { hook, conversationId: inc.conversationId, messageId: reply.id, killedAt: Date.now() };
  }

  const row = async (id: string) => (await db.query(`SELECT status, attempts, error FROM messages WHERE id = $1`, [id])).rows[0];

  it('marks the reply sending before the call, then re-sends it with the same delivery id within seconds of the crash', async () => {
    const { hook, conversationId, messageId, killedAt } = await crashMidSend({});
    // The crash left a visible trace: the attempt was on the wire.
    expect(await row(messageId)).toMatchObject({ status: 'sending', attempts: 1 });

    const second: TestApp = await bootApp({ ...COMMON, DATABASE_URL: databaseUrl });
    cleanup.push(() => second.close());
    const token = await second.login();
    const sent = await eventually(
      async () => {
        const msgs = await second.api('GET', `/conversations/${conversationId}/messages`, { token });
        return msgs.body.items.find((m: { id: string; status: string }) => m.id === messageId && m.status === 'sent');
      },
      90_000,
      'the interrupted reply to be sent by the next process',
    );
    // Measured, not asserted (machines are noisy): recovery time after kill -9.
    console.log(
      `outbound recovery after kill -9: ${((Date.now() - killedAt) / 1000).toFixed(1)} s (job expiry ${Math.ceil(Number(COMMON.OUTBOUND_SEND_TIMEOUT_MS) / 1000) + 5} s)`,
    );
    expect(sent.attempts).toBe(2);
    // At least once, de-duplicable: both deliveries carry the message id.
    expect(hook.deliveries.map((d) => d.delivery)).toEqual([messageId, messageId]);
  }, 150_000);

  it('fails a reply whose last try died with the process (reconciler), and lets the agent retry it', async () => {
    const { hook, conversationId, messageId } = await crashMidSend({ OUTBOUND_RETRY_LIMIT: '0' });
    const second: TestApp = await bootApp({ ...COMMON, OUTBOUND_RETRY_LIMIT: '0', DATABASE_URL: databaseUrl });
    cleanup.push(() => second.close());
    const token = await second.login();
    // No try left: the job expires to `failed`, the handler never runs again, the reconciler settles the reply.
    const failed = await eventually(
      async () => {
        const msgs = await second.api('GET', `/conversations/${conversationId}/messages`, { token });
        return msgs.body.items.find((m: { id: string; status: string }) => m.id === messageId && m.status === 'failed');
      },
      130_000,
      'the reconciler to fail the interrupted reply',
    );
    expect(failed.error).toMatch(/interrupted/);
    const retried = await second.api('POST', `/conversations/${conversationId}/messages/${messageId}/retry`, { token });
    expect(retried.status).toBeLessThan(300);
    await eventually(async () => (await row(messageId)).status === 'sent', 30_000, 'the retried reply to be sent');
    expect(hook.deliveries.map((d) => d.delivery)).toEqual([messageId, messageId]);
  }, 240_000);

  it("ends a reply failed, with the receiver's answer, when its last retry fails (no reconciler needed)", async () => {
    const app = await bootApp({ ...COMMON, OUTBOUND_RETRY_LIMIT: '1', DATABASE_URL: databaseUrl });
    cleanup.push(() => app.close());
    const receiver = await startWebhookReceiver();
    cleanup.push(receiver.close);
    receiver.respondWith([503, 503, 503]);
    const token = await app.login();
    const inbox = (await app.api('POST', '/inboxes', { token, body: { name: `Down ${uid()}`, channel: 'api', webhookUrl: receiver.url } })).body;
    const inc = (await app.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'hi' } })).body;
    const reply = (await app.api('POST', `/conversations/${inc.conversationId}/messages`, { token, body: { text: 'nobody home' } })).body;
    // One try plus one retry; the second answer is the last word (the job knows its retry limit).
    const failed = await eventually(
      async () => {
        const r = await row(reply.id);
        return r.status === 'failed' && r;
      },
      30_000,
      'the reply to fail after its last retry',
    );
    expect(failed.attempts).toBe(2);
    expect(failed.error).toMatch(/503/);
    expect(receiver.received).toHaveLength(2);
  }, 60_000);

  it('lets an agent retry a reply stuck queued past its delivery deadline (no worker ever took it)', async () => {
    const app = await bootApp({ ...COMMON, RUN_WORKERS: 'false', OUTBOUND_SEND_TIMEOUT_MS: '500', DATABASE_URL: databaseUrl });
    cleanup.push(() => app.close());
    const token = await app.login();
    const inbox = (await app.api('POST', '/inboxes', { token, body: { name: `Stuck ${uid()}`, channel: 'api' } })).body;
    const inc = (await app.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'hi' } })).body;
    const reply = (await app.api('POST', `/conversations/${inc.conversationId}/messages`, { token, body: { text: 'stuck' } })).body;
    expect(reply.deliveryDeadline).toEqual(expect.any(String));
    // Before its deadline the reply is still in the hands of its job.
    expect((await app.api('POST', `/conversations/${inc.conversationId}/messages/${reply.id}/retry`, { token })).status).toBe(409);
    const {
      rows: [before],
    } = await db.query(`SELECT job_id FROM messages WHERE id = $1`, [reply.id]);
    const retried = await eventually(
      async () => {
        const res = await app.api('POST', `/conversations/${inc.conversationId}/messages/${reply.id}/retry`, { token });
        return res.status < 300 ? res : null;
      },
      60_000,
      'the stuck reply to become retryable',
    );
    expect(retried.body.status).toBe('queued');
    const {
      rows: [after],
    } = await db.query(`SELECT job_id FROM messages WHERE id = $1`, [reply.id]);
    expect(after.job_id).not.toBe(before.job_id);
    const {
      rows: [old],
    } = await db.query(`SELECT state FROM pgboss.job WHERE id = $1`, [before.job_id]);
    expect(old.state).toBe('cancelled');
  }, 120_000);
});
