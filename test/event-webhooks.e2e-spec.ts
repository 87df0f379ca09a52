import { createHmac } from 'node:crypto';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { Client } from 'pg';
import { TestApp, bootApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { ReceivedHook, startWebhookReceiver } from './helpers/webhook-receiver';

/** Event webhooks against real HTTP receivers: signed, ordered per conversation, retried, logged, redelivered. */
describe('event webhooks', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  const closers: Array<() => unknown> = [];

  beforeAll(async () => {
    // A one-second sweep lag: the sweeper (the safety net behind the live path) races every test here too.
    ({ sut, admin, db } = await bootFixture({ WEBHOOK_RETRY_DELAY_SECONDS: '1', WEBHOOK_SWEEP_LAG_SECONDS: '1', WEBHOOK_CONCURRENCY: '5' }));
  });

  afterEach(async () => {
    while (closers.length) await closers.pop()!();
  });

  afterAll(async () => {
    await sut?.close();
  });

  const receiver = async () => {
    const r = await startWebhookReceiver();
    closers.push(() => r.close());
    return r;
  };
  /** A receiver of the test's own on 127.0.0.1 (closed after the test), answering as `handle` does; its URL. */
  const rawReceiver = async (handle: (req: IncomingMessage, res: ServerResponse) => void) => {
    const server = createServer(handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r(undefined)))));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  };
  const subscribe = async (url: string, inboxId: string) =>
    (await sut.api('POST', '/webhooks', { token: admin, body: { url, events: ['message.created'], inboxIds: [inboxId] } })).body as { id: string };
  const verify = (hook: ReceivedHook, secret: string) => {
    expect(hook.headers['x-inbox-signature']).toBe(`sha256=${createHmac('sha256', secret).update(hook.body).digest('hex')}`);
    expect(hook.headers['x-inbox-timestamp']).toBe(String(hook.json.timestamp));
    expect(hook.headers['x-inbox-delivery']).toBe(hook.json.id);
    expect(hook.headers['x-inbox-event']).toBe(hook.json.event);
  };

  /** A team, its API inbox and one online agent, so routing assigns at once. */
  async function desk() {
    const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}` } })).body;
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api', teamId: team.id } })).body;
    const email = `a-${uid()}@example.com`;
    const agent = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ana', password: 'agent-password', role: 'agent', capacity: { api: 10 } } })).body;
    await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: agent.id } });
    await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: agent.id } });
    const token = await sut.login(email, 'agent-password');
    const s: RecordingSocket = await connectSocket(sut.url, token);
    closers.push(() => s.close());
    await eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [agent.id])).rows[0]?.presence === 'online', 15000, 'agent online');
    const ingest = async (text: string, identifier = `c-${uid()}`) =>
      (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier }, text } })).body as {
        conversationId: string;
        messageId: string;
      };
    return { team, inbox, agent: { ...agent, token }, ingest };
  }

  it('delivers message.created and conversation.assigned signed and in order, retries a 500 with the same delivery id, and logs it', async () => {
    const hooks = await receiver();
    const d = await desk();
    const created = await sut.api('POST', '/webhooks', { token: admin, body: { url: hooks.url, events: ['message.created', 'conversation.assigned'], inboxIds: [d.inbox.id] } });
    expect(created.status).toBe(201);
    const { id: subId, secret } = created.body;
    expect(secret).toMatch(/^whsec_/);
    expect((await sut.api('GET', `/webhooks/${subId}`, { token: admin })).body.secret).toBeUndefined();

    const { conversationId, messageId } = await d.ingest('my parcel is late');
    const assigned = await eventually(async () => hooks.received.find((h) => h.json.event === 'conversation.assigned' && h.json.data.conversationId === conversationId));
    const mine = hooks.received.filter((h) => h.json.data.conversationId === conversationId);
    // Routing's activity line ("Assigned to Ana by routing") is a message too, committed with the assignment.
    expect(mine.map((h) => `${h.json.event}${h.json.data.kind ? `:${h.json.data.kind}` : ''}`)).toEqual([
      'message.created:message',
      'message.created:activity',
      'conversation.assigned',
    ]);
    expect(mine[0].json.data).toMatchObject({ id: messageId, text: 'my parcel is late', direction: 'inbound' });
    expect(assigned.json.data).toMatchObject({ agentId: d.agent.id, by: 'routing' });
    for (const h of mine) verify(h, secret);

    // The receiver fails once: the same delivery comes again, and the next event of the conversation waits for it.
    hooks.respondWith([500]);
    const first = (await sut.api('POST', `/conversations/${conversationId}/messages`, { token: d.agent.token, body: { text: 'first answer' } })).body;
    const second = (await sut.api('POST', `/conversations/${conversationId}/messages`, { token: d.agent.token, body: { text: 'second answer' } })).body;
    await eventually(async () => hooks.received.some((h) => h.json.data.id === second.id), 30000, 'second answer delivered');
    const answers = hooks.received.filter((h) => h.json.data.id === first.id || h.json.data.id === second.id).map((h) => h.json.data.text);
    expect(answers).toEqual(['first answer', 'first answer', 'second answer']);
    const tries = hooks.received.filter((h) => h.json.data.id === first.id);
    expect(tries[0].json.id).toBe(tries[1].json.id);
    for (const h of tries) verify(h, secret);

    const log = (await sut.api('GET', `/webhooks/${subId}/deliveries`, { token: admin })).body.items;
    const entry = log.find((e: { id: string }) => e.id === tries[0].json.id);
    expect(entry).toMatchObject({ event: 'message.created', status: 'delivered', attempts: 2, responseStatus: 200, responseExcerpt: '{"ok":true}', conversationId });
    expect(entry.latencyMs).toEqual(expect.any(Number));
  });

  it('stops at a final 4xx, and redelivers on request with the same id and a fresh signature', async () => {
    const hooks = await receiver();
    const d = await desk();
    const { id: subId, secret } = (
      await sut.api('POST', '/webhooks', { token: admin, body: { url: hooks.url, events: ['message.created'], inboxIds: [d.inbox.id], secret: 'a-secret-of-our-own-choosing' } })
    ).body;
    expect(secret).toBe('a-secret-of-our-own-choosing');
    hooks.respondWith([410]);
    const { messageId } = await d.ingest('hello');
    const failed = await eventually(async () => {
      const items = (await sut.api('GET', `/webhooks/${subId}/deliveries`, { token: admin })).body.items;
      return items.find((e: { status: string }) => e.status === 'failed');
    });
    expect(failed).toMatchObject({ attempts: 1, responseStatus: 410, error: 'HTTP 410' });
    const ofMessage = () => hooks.received.filter((h) => h.json.data.id === messageId);
    expect(ofMessage()).toHaveLength(1);
    expect(ofMessage()[0].json.id).toBe(failed.id);

    const again = await sut.api('POST', `/webhooks/${subId}/deliveries/${failed.id}/redeliver`, { token: admin });
    expect(again.status).toBe(202);
    await eventually(async () => ofMessage().length === 2);
    expect(ofMessage()[1].json).toMatchObject({ id: failed.id, event: 'message.created', data: { id: messageId, text: 'hello' } });
    verify(ofMessage()[1], secret);
    await eventually(
      async () => (await sut.api('GET', `/webhooks/${subId}/deliveries`, { token: admin })).body.items.find((e: { id: string }) => e.id === failed.id).status === 'delivered',
    );
  });

  it('keeps a bot to its own subscriptions and inboxes', async () => {
    const hooks = await receiver();
    const d = await desk();
    const other = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Other ${uid()}`, channel: 'api' } })).body;
    const bot = (await sut.api('POST', '/bots', { token: admin, body: { name: `Bot ${uid()}`, inboxIds: [d.inbox.id] } })).body;
    const adminSub = (await sut.api('POST', '/webhooks', { token: admin, body: { url: hooks.url, events: ['message.created'] } })).body;
    const own = await sut.api('POST', '/webhooks', { token: bot.token, body: { url: hooks.url, events: ['conversation.created'] } });
    expect(own.status).toBe(201);
    expect(own.body.botId).toBe(bot.id);
    expect((await sut.api('GET', '/webhooks', { token: bot.token })).body.map((s: { id: string }) => s.id)).toEqual([own.body.id]);
    for (const [method, path, body] of [
      ['GET', `/webhooks/${adminSub.id}`],
      ['PATCH', `/webhooks/${adminSub.id}`, { events: ['message.updated'] }],
      ['DELETE', `/webhooks/${adminSub.id}`],
      ['GET', `/webhooks/${adminSub.id}/deliveries`],
      ['POST', '/webhooks', { url: hooks.url, events: ['message.created'], inboxIds: [other.id] }],
      ['PATCH', `/webhooks/${own.body.id}`, { inboxIds: [other.id] }],
    ] as Array<[string, string, unknown?]>) {
      const res = await sut.api(method, path, { token: bot.token, body });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    // Agents and coordinators do not manage webhooks.
    expect((await sut.api('GET', '/webhooks', { token: d.agent.token })).status).toBe(403);

    // The bot's subscription hears its inbox only, though it asked for no inbox filter.
    const theirs = (await sut.api('POST', `/inboxes/${other.id}/incoming`, { token: other.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'elsewhere' } }))
      .body;
    const ours = await d.ingest('here');
    await eventually(async () => hooks.received.find((h) => h.json.event === 'conversation.created' && h.json.data.id === ours.conversationId));
    await eventually(async () => hooks.received.find((h) => h.json.event === 'message.created' && h.json.data.conversationId === theirs.conversationId));
    expect(hooks.received.some((h) => h.json.event === 'conversation.created' && h.json.data.id === theirs.conversationId)).toBe(false);
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 AND conversation_id = $2`, [own.body.id, theirs.conversationId])).rows[0].n,
    ).toBe(0);
  });

  it('files an event committed by a process that died before filing it (the outbox sweeper)', async () => {
    const hooks = await receiver();
    const d = await desk();
    const { id: subId } = (await sut.api('POST', '/webhooks', { token: admin, body: { url: hooks.url, events: ['message.created'], inboxIds: [d.inbox.id] } })).body;
    const { conversationId, messageId } = await d.ingest('before the crash');
    await eventually(async () => hooks.received.find((h) => h.json.data.id === messageId));
    // What a replica leaves behind when it dies right after its commit: an outbox row nobody published.
    const payload = (await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin })).body.items.find((m: { id: string }) => m.id === messageId);
    await db.query(`INSERT INTO outbox_events (type, conversation_id, payload) VALUES ('message.created', $1, $2::jsonb)`, [
      conversationId,
      JSON.stringify({ ...payload, text: 'committed, never published' }),
    ]);
    const swept = await eventually(async () => hooks.received.find((h) => h.json.data.text === 'committed, never published'), 20000, 'swept delivery');
    expect(swept.json).toMatchObject({ event: 'message.created', data: { conversationId } });
    // Filed once, though the live path and the sweeper both saw the earlier events.
    const counts = (
      await db.query(`SELECT event_seq, count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1 GROUP BY event_seq, event HAVING count(*) > 1`, [subId])
    ).rows;
    expect(counts).toEqual([]);
    expect(hooks.received.filter((h) => h.json.data.id === messageId && h.json.data.text === 'before the crash')).toHaveLength(1);
  });

  it('sends WEBHOOK_CONCURRENCY deliveries at once to a slow receiver (different conversations)', async () => {
    // A receiver that answers nothing until told: the deliveries in flight pile up on it.
    const held: ServerResponse[] = [];
    const seen = new Set<string>();
    const url = await rawReceiver((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.add(String(req.headers['x-inbox-delivery']));
        held.push(res);
      });
    });
    const d = await desk();
    const sub = await subscribe(url, d.inbox.id);
    for (let i = 0; i < 8; i++) await d.ingest(`slow ${i}`);
    // Five in flight at once (this server's WEBHOOK_CONCURRENCY), though the receiver answers none.
    // Counted while their connection is open (a delivery that times out closes its own).
    await eventually(async () => held.filter((res) => !res.socket?.destroyed).length >= 5, 15000, 'five deliveries in flight');
    await eventually(
      async () => {
        for (const res of held.splice(0)) res.end('ok');
        return seen.size >= 8;
      },
      15000,
      'all eight delivered',
    );
    await sut.api('DELETE', `/webhooks/${sub.id}`, { token: admin });
  });

  it("sends a conversation's deliveries committed together in event order, none put back to wait", async () => {
    const hooks = await receiver();
    const d = await desk();
    const sub = await subscribe(hooks.url, d.inbox.id);
    const contact = { identifier: `c-${uid()}` };
    // One batch: six messages of one conversation, whose deliveries wake the five workers at once.
    const batch = await sut.api('POST', `/inboxes/${d.inbox.id}/incoming/batch`, {
      token: d.inbox.token,
      body: { messages: Array.from({ length: 6 }, (_, i) => ({ externalId: uid(), contact, text: `together ${i}` })) },
    });
    expect(batch.status).toBe(200);
    const ids: string[] = batch.body.results.map((r: { messageId: string }) => r.messageId);
    await eventually(async () => ids.every((id) => hooks.received.some((h) => h.json.data.id === id)), 30000, 'six deliveries');
    const jobsOfSub = async () =>
      (
        await db.query(
          `SELECT w.id, w.event_seq::int AS seq, w.attempts, EXTRACT(EPOCH FROM j.start_after - j.created_on) AS waited
           FROM webhook_deliveries w JOIN pgboss.job j ON j.name = 'webhook-deliveries' AND (j.data->>'deliveryId')::uuid = w.id
           WHERE w.subscription_id = $1`,
          [sub.id],
        )
      ).rows;
    // Routing's activity line ("Assigned to ...") is filed too, in its own commit: wait for every delivery filed.
    const filed = await eventually(
      async () => {
        const rows = await jobsOfSub();
        return rows.every((r) => hooks.received.some((h) => h.json.id === r.id)) ? rows : null;
      },
      30000,
      'every filed delivery',
    );
    // In the order of the conversation's events, each sent once.
    const bySeq = [...new Map(filed.map((r) => [r.id, r.seq])).entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    expect(hooks.received.filter((h) => h.json.event === 'message.created' && h.json.data.conversationId === batch.body.results[0].conversationId).map((h) => h.json.id)).toEqual(
      bySeq,
    );
    // No job filed to start later: before, a worker that picked a delivery while another worker held
    // an earlier one of its conversation put it back for 2 s.
    expect(filed.filter((r) => Number(r.waited) > 0)).toEqual([]);
  });

  it("holds a conversation's next deliveries unstarted while its first is in flight, and sends other conversations' meanwhile", async () => {
    // A receiver that holds the first request until told, and answers the rest at once.
    const arrived: Array<{ id: string; text: string }> = [];
    let held: ServerResponse | null = null;
    const url = await rawReceiver((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        arrived.push({ id: body.id, text: body.data.text });
        if (!held && body.data.text === 'x 0') held = res;
        else res.end('ok');
      });
    });
    const d = await desk();
    const sub = await subscribe(url, d.inbox.id);
    await d.ingest('x 0', 'customer-x');
    await eventually(async () => held !== null, 15000, 'the first delivery in flight');
    await d.ingest('x 1', 'customer-x');
    await d.ingest('x 2', 'customer-x');
    await d.ingest('y 0', 'customer-y');
    await eventually(async () => arrived.some((a) => a.text === 'y 0'), 15000, "the other conversation's delivery");
    // Filed before y's, yet never started: one job each, waiting behind the one in flight
    // (before, workers picked them, found the first in flight, and filed them again for 2 s later).
    const jobsOf = async (text: string) =>
      (
        await db.query(
          `SELECT j.state FROM pgboss.job j JOIN webhook_deliveries w ON (j.data->>'deliveryId')::uuid = w.id
           WHERE j.name = 'webhook-deliveries' AND w.subscription_id = $1 AND w.data->>'text' = $2`,
          [sub.id, text],
        )
      ).rows.map((r) => r.state);
    expect(await jobsOf('x 1')).toEqual(['created']);
    expect(await jobsOf('x 2')).toEqual(['created']);
    held!.end('ok');
    await eventually(async () => arrived.some((a) => a.text === 'x 2'), 15000, 'the rest of the conversation');
    expect(arrived.filter((a) => a.text.startsWith('x ')).map((a) => a.text)).toEqual(['x 0', 'x 1', 'x 2']);
  });

  it('fails a delivery whose subscription was switched off before it went out, so it holds nothing back once the subscription is on again', async () => {
    const hooks = await receiver();
    const d = await desk();
    const sub = await subscribe(hooks.url, d.inbox.id);
    // The receiver fails: the delivery waits out its backoff, pending, and is switched off meanwhile.
    hooks.respondWith([500]);
    const first = await d.ingest('before the pause', 'customer-paused');
    await eventually(async () => hooks.received.some((h) => h.json.data.id === first.messageId), 15000, 'the first attempt');
    expect((await sut.api('PATCH', `/webhooks/${sub.id}`, { token: admin, body: { active: false } })).status).toBe(200);
    const log = async () =>
      (await sut.api('GET', `/webhooks/${sub.id}/deliveries`, { token: admin })).body.items as Array<{ status: string; error: string | null; data?: unknown }>;
    const failed = await eventually(async () => (await log()).find((e) => e.status === 'failed'), 20000, 'the retry to find the subscription off');
    expect(failed.error).toBe('the subscription was switched off');

    // On again: the conversation's next event goes out (a pending one before it would hold it for ever).
    expect((await sut.api('PATCH', `/webhooks/${sub.id}`, { token: admin, body: { active: true } })).status).toBe(200);
    const reply = (await sut.api('POST', `/conversations/${first.conversationId}/messages`, { token: admin, body: { text: 'after the pause' } })).body;
    await eventually(async () => hooks.received.some((h) => h.json.data.id === reply.id), 20000, 'the next event delivered');
  });

  it('refuses loopback URLs without OUTBOUND_ALLOW_PRIVATE, for subscriptions and bots alike', async () => {
    const strict = await bootApp({ DATABASE_URL: sut.databaseUrl, OUTBOUND_ALLOW_PRIVATE: 'false', RUN_WORKERS: 'false' });
    closers.push(() => strict.close());
    const token = await strict.login();
    const refused = await strict.api('POST', '/webhooks', { token, body: { url: 'http://127.0.0.1:8080/hook', events: ['message.created'] } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'OUTBOUND_ADDRESS_REFUSED', details: { fields: { url: [expect.stringContaining('OUTBOUND_ALLOW_PRIVATE')] } } });
    expect((await strict.api('POST', '/webhooks', { token, body: { url: 'http://169.254.169.254/latest', events: ['message.created'] } })).status).toBe(400);
    const name = `Refused bot ${uid()}`;
    const bot = await strict.api('POST', '/bots', { token, body: { name, webhookUrl: 'http://[::1]:9000/x' } });
    expect(bot.body.code).toBe('OUTBOUND_ADDRESS_REFUSED');
    expect((await db.query(`SELECT count(*)::int AS n FROM bots WHERE name = $1`, [name])).rows[0].n).toBe(0);
  });
});
