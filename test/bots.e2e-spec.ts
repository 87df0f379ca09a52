import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { connectSocket } from './helpers/sockets';
import { startWebhookReceiver } from './helpers/webhook-receiver';

/**
 * Bots as integrations see them: tokens scoped to inboxes and scopes (every door: REST,
 * sockets, replay, webhooks), bot-first inboxes and the handoff to a live agent.
 */
describe('bots', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  const closers: Array<() => unknown> = [];

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture({ PRESENCE_GRACE_SECONDS: '0' }));
  });

  afterEach(async () => {
    while (closers.length) await closers.pop()!();
  });

  afterAll(async () => {
    await sut?.close();
  });

  const socket = async (token: string) => {
    const s = await connectSocket(sut.url, token);
    closers.push(() => s.close());
    return s;
  };
  const apiInbox = async (extra: Record<string, unknown> = {}) => {
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api', ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; token: string };
  };
  const ingest = async (ib: { id: string; token: string }, text = 'hello', identifier = `c-${uid()}`) => {
    const res = await sut.api('POST', `/inboxes/${ib.id}/incoming`, { token: ib.token, body: { externalId: uid(), contact: { identifier }, text } });
    expect(res.status).toBe(201);
    return res.body as { conversationId: string; messageId: string; contactId: string };
  };
  const createBot = async (body: Record<string, unknown>) => {
    const res = await sut.api('POST', '/bots', { token: admin, body: { name: `Bot ${uid()}`, ...body } });
    expect(res.status).toBe(201);
    return res.body as { id: string; token: string; inboxIds: string[] | null; scopes: string[]; webhookSecret?: string };
  };

  describe('a token scoped to one inbox', () => {
    it('sees and acts only in its inbox through REST, with 403 on every route of another inbox', async () => {
      const [mine, theirs] = [await apiInbox(), await apiInbox()];
      const bot = await createBot({ inboxIds: [mine.id] });
      expect(bot.inboxIds).toEqual([mine.id]);
      const word = `word${uid()}`;
      const a = await ingest(mine, `hello ${word}`);
      const b = await ingest(theirs, `hello ${word}`);
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}` } })).body;

      const denied: Array<[string, string, unknown?]> = [
        ['GET', `/conversations/${b.conversationId}`],
        ['GET', `/conversations/${b.conversationId}/messages`],
        ['POST', `/conversations/${b.conversationId}/messages`, { text: 'hi' }],
        ['PATCH', `/conversations/${b.conversationId}`, { labels: ['x'] }],
        ['POST', `/conversations/${b.conversationId}/handoff`, { note: 'x' }],
        ['POST', `/conversations/${b.conversationId}/unassign`],
        ['POST', `/conversations/${b.conversationId}/transfer`, { teamId: team.id }],
        ['POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['message.created'], inboxIds: [theirs.id] }],
      ];
      for (const [method, path, body] of denied) {
        const res = await sut.api(method, path, { token: bot.token, body });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
      }
      // Contacts of another inbox do not exist for it (404, as for agents).
      expect((await sut.api('GET', `/contacts/${b.contactId}`, { token: bot.token })).status).toBe(404);
      expect((await sut.api('PATCH', `/contacts/${b.contactId}`, { token: bot.token, body: { name: 'x' } })).status).toBe(404);
      expect((await sut.api('GET', `/contacts/${a.contactId}`, { token: bot.token })).status).toBe(200);

      // Lists and search hold only its inbox.
      const listed = (await sut.api('GET', '/conversations?limit=200', { token: bot.token })).body.items.map((c: { inboxId: string }) => c.inboxId);
      expect(new Set(listed)).toEqual(new Set([mine.id]));
      const contacts = (await sut.api('GET', '/contacts?limit=200', { token: bot.token })).body.items.map((c: { id: string }) => c.id);
      expect(contacts).toContain(a.contactId);
      expect(contacts).not.toContain(b.contactId);
      const found = (await sut.api('GET', `/conversations?q=${word}`, { token: bot.token })).body.items.map((c: { id: string }) => c.id);
      expect(found).toEqual([a.conversationId]);
      const admins = (await sut.api('GET', `/conversations?q=${word}`, { token: admin })).body.items.map((c: { id: string }) => c.id);
      expect(admins.sort()).toEqual([a.conversationId, b.conversationId].sort());

      expect((await sut.api('POST', `/conversations/${a.conversationId}/messages`, { token: bot.token, body: { text: 'hi from the bot' } })).status).toBe(201);
    });

    it('gets only its inbox over sockets, replay and webhooks, and is narrowed at once', async () => {
      const receiver = await startWebhookReceiver();
      closers.push(() => receiver.close());
      const [mine, theirs] = [await apiInbox(), await apiInbox()];
      const bot = await createBot({ inboxIds: [mine.id], webhookUrl: receiver.url, events: ['message.created'] });
      expect(bot.webhookSecret).toMatch(/^whsec_/);
      const coordinator = await socket(admin);
      const botSocket = await socket(bot.token);

      const b = await ingest(theirs, 'not for the bot');
      await coordinator.waitFor('message.created', (m) => m.conversationId === b.conversationId);
      const a = await ingest(mine, 'for the bot');
      await botSocket.waitFor('message.created', (m) => m.conversationId === a.conversationId);
      // Fan-out is one emit per event in commit order: the bot got the later event and never the earlier one.
      expect(botSocket.events.some((e) => e.payload?.data?.conversationId === b.conversationId || e.payload?.data?.id === b.conversationId)).toBe(false);
      expect((await botSocket.emit('conversation.join', { conversationId: b.conversationId })).code).toBe('FORBIDDEN');
      expect((await botSocket.emit('conversation.join', { conversationId: a.conversationId })).ok).toBe(true);

      const replayer = await socket(bot.token);
      const ack = await replayer.emit('events.replay', { afterSeq: 0 });
      expect(ack.ok).toBe(true);
      const replayed = replayer.events.filter((e) => e.event !== 'session.ended').map((e) => e.payload?.data);
      expect(replayed.some((d) => d?.conversationId === a.conversationId)).toBe(true);
      expect(replayed.some((d) => d?.conversationId === b.conversationId || d?.id === b.conversationId)).toBe(false);

      // Webhooks: signed, its inbox only (the later event arrived, the earlier other-inbox one never will be filed).
      const hook = await eventually(async () => receiver.received.find((h) => h.json?.data?.conversationId === a.conversationId));
      expect(hook.headers['x-inbox-signature']).toBe(`sha256=${createHmac('sha256', bot.webhookSecret!).update(hook.body).digest('hex')}`);
      expect(receiver.received.some((h) => h.json?.data?.conversationId === b.conversationId)).toBe(false);
      const filedForOther = (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE conversation_id = $1`, [b.conversationId])).rows[0].n;
      expect(filedForOther).toBe(0);

      // Narrowed to the other inbox: open sockets close with ACCESS_CHANGED, REST follows at once.
      const ended = botSocket.waitFor('session.ended');
      expect((await sut.api('PATCH', `/bots/${bot.id}`, { token: admin, body: { inboxIds: [theirs.id] } })).status).toBe(200);
      expect(await ended).toEqual({ code: 'ACCESS_CHANGED' });
      expect((await sut.api('GET', `/conversations/${a.conversationId}`, { token: bot.token })).status).toBe(403);
      expect((await sut.api('GET', `/conversations/${b.conversationId}`, { token: bot.token })).status).toBe(200);
      // Its webhook follows too: the old inbox's events stop, the new one's arrive.
      const old = await ingest(mine, 'no longer for the bot');
      const now = await ingest(theirs, 'now for the bot');
      await eventually(async () => receiver.received.find((h) => h.json?.data?.conversationId === now.conversationId));
      expect(receiver.received.some((h) => h.json?.data?.conversationId === old.conversationId)).toBe(false);
      const leaked = await db.query(
        `SELECT d.status FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE s.bot_id = $1 AND d.conversation_id = $2 AND d.status <> 'failed'`,
        [bot.id, old.conversationId],
      );
      expect(leaked.rows).toEqual([]);
    });

    it('holds only the scopes it was given, and stops at its expiry or rotation', async () => {
      const ib = await apiInbox();
      const reader = await createBot({ inboxIds: [ib.id], scopes: ['conversations.read'] });
      const { conversationId } = await ingest(ib);
      expect((await sut.api('GET', `/conversations/${conversationId}`, { token: reader.token })).status).toBe(200);
      const post = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: reader.token, body: { text: 'hi' } });
      expect(post.status).toBe(403);
      expect(post.body.message).toBe('this bot token lacks the scope conversations.write');
      expect((await sut.api('GET', '/webhooks', { token: reader.token })).status).toBe(403);
      const readerSocket = await socket(reader.token);
      expect((await readerSocket.emit('coordinator.unassign', { conversationId })).code).toBe('FORBIDDEN');

      expect((await sut.api('POST', '/bots', { token: admin, body: { name: 'x', tokenExpiresAt: '2001-01-01T00:00:00Z' } })).status).toBe(400);
      const expiring = await createBot({ tokenExpiresAt: new Date(Date.now() + 3600_000).toISOString() });
      expect((await sut.api('GET', `/conversations/${conversationId}`, { token: expiring.token })).status).toBe(200);
      await db.query(`UPDATE bots SET token_expires_at = now() - interval '1 second' WHERE id = $1`, [expiring.id]);
      expect((await sut.api('GET', `/conversations/${conversationId}`, { token: expiring.token })).status).toBe(401);

      const rotated = (await sut.api('POST', `/bots/${reader.id}/token`, { token: admin })).body;
      expect((await sut.api('GET', `/conversations/${conversationId}`, { token: reader.token })).status).toBe(401);
      expect((await sut.api('GET', `/conversations/${conversationId}`, { token: rotated.token })).status).toBe(200);
      const stored = (await db.query(`SELECT token_hash FROM bots WHERE id = $1`, [reader.id])).rows[0].token_hash;
      expect(stored).not.toContain(rotated.token.slice(4));
    });
  });

  describe('a bot-first web chat inbox', () => {
    const ORIGIN = 'https://shop.example.com';

    it('lets the bot answer over the API, then hands off with a note to a live agent', async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Refunds ${uid()}` } })).body;
      const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Site ${uid()}`, channel: 'webchat', allowedOrigins: [ORIGIN] } })).body;
      const bot = await createBot({ name: 'FAQ bot', inboxIds: [inbox.id] });
      const set = await sut.api('PUT', `/inboxes/${inbox.id}/bot`, { token: admin, body: { botId: bot.id, handoffMessage: 'A person will take over now.' } });
      expect(set.status).toBe(200);
      const email = `ana-${uid()}@example.com`;
      const agent = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ana', password: 'agent-password', role: 'agent', capacity: { webchat: 5 } } })).body;
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: agent.id } });
      await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: agent.id } });
      const agentSocket = await socket(await sut.login(email, 'agent-password'));
      await eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [agent.id])).rows[0]?.presence === 'online', 15000, 'agent online');
      const botSocket = await socket(bot.token);

      const visitor: Socket = io(`${sut.url}/widget`, {
        auth: { websiteToken: inbox.websiteToken },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: { origin: ORIGIN },
      });
      closers.push(() => visitor.close());
      const seen: Array<{ event: string; payload: any }> = [];
      visitor.onAny((event, payload) => seen.push({ event, payload }));
      await new Promise((resolve, reject) => (visitor.once('session', resolve), visitor.once('connect_error', reject)));
      const sent = await visitor.timeout(10000).emitWithAck('message.send', { clientId: uid() + uid(), text: 'Can I get a refund for order 42?' });
      const conversationId = (await db.query(`SELECT conversation_id FROM messages WHERE id = $1`, [sent.message.id])).rows[0].conversation_id as string;

      // The bot's: status bot, no agent, the bot hears it, the agent does not.
      const created = await botSocket.waitFor('conversation.created', (c) => c.id === conversationId);
      expect(created).toMatchObject({ status: 'bot', assigneeId: null });
      const answer = await sut.api('POST', `/conversations/${conversationId}/messages`, {
        token: bot.token,
        body: { text: 'Refunds over 50 EUR need a person. Let me hand you over.' },
      });
      expect(answer.body).toMatchObject({ authorType: 'bot', authorId: bot.id });
      await eventually(async () => seen.find((e) => e.event === 'message.created' && e.payload.id === answer.body.id));
      expect(seen.find((e) => e.payload?.id === answer.body.id)!.payload.author).toMatchObject({ type: 'bot', name: 'FAQ bot' });
      expect((await db.query(`SELECT status, assignee_id FROM conversations WHERE id = $1`, [conversationId])).rows[0]).toEqual({ status: 'bot', assignee_id: null });
      expect(agentSocket.events.some((e) => e.payload?.data?.id === conversationId || e.payload?.data?.conversationId === conversationId)).toBe(false);

      // Handoff: open, in the team's queue, assigned live to the online agent; the note kept for them.
      const handed = await sut.api('POST', `/conversations/${conversationId}/handoff`, {
        token: bot.token,
        body: { teamId: team.id, note: 'Wants a refund for order 42', priority: 2 },
      });
      expect(handed.status).toBe(200);
      expect(handed.body).toMatchObject({ teamId: team.id, priority: 2 });
      const assigned = await agentSocket.waitFor('conversation.assigned', (e) => e.conversationId === conversationId && e.agentId === agent.id);
      expect(assigned.by).toBe('routing');
      const timeline = (await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin })).body.items as Array<{
        kind: string;
        text: string;
        authorType: string;
        authorId: string | null;
      }>;
      expect(timeline.find((m) => m.kind === 'note')).toMatchObject({ text: 'Wants a refund for order 42', authorType: 'bot', authorId: bot.id });
      expect(timeline.some((m) => m.kind === 'activity' && m.text.startsWith('Handed over by FAQ bot to Refunds'))).toBe(true);
      const log = (await db.query(`SELECT reason FROM assignment_log WHERE conversation_id = $1 AND reason_code = 'handoff'`, [conversationId])).rows;
      expect(log).toEqual([{ reason: 'handed over by FAQ bot: Wants a refund for order 42' }]);
      // The customer is told, and never sees the note.
      await eventually(async () => seen.find((e) => e.event === 'message.created' && e.payload.text === 'A person will take over now.'));
      expect(seen.some((e) => JSON.stringify(e.payload).includes('Wants a refund'))).toBe(false);

      // With "hand over on request", a customer who asks for a person skips the bot.
      await sut.api('PUT', `/inboxes/${inbox.id}/bot`, { token: admin, body: { botId: bot.id, handoffMessage: 'A person will take over now.', handoffOnRequest: true } });
      const second: Socket = io(`${sut.url}/widget`, {
        auth: { websiteToken: inbox.websiteToken },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: { origin: ORIGIN },
      });
      closers.push(() => second.close());
      await new Promise((resolve, reject) => (second.once('session', resolve), second.once('connect_error', reject)));
      const question = await second.timeout(10000).emitWithAck('message.send', { clientId: uid() + uid(), text: 'What are your opening hours?' });
      const other = (await db.query(`SELECT conversation_id FROM messages WHERE id = $1`, [question.message.id])).rows[0].conversation_id as string;
      const asks = await second.timeout(10000).emitWithAck('message.send', { clientId: uid() + uid(), text: 'Je veux parler à un humain !' });
      expect(asks.ok).toBe(true);
      await agentSocket.waitFor('conversation.assigned', (e) => e.conversationId === other && e.agentId === agent.id);
      const notes = (await sut.api('GET', `/conversations/${other}/messages`, { token: admin })).body.items.filter((m: { kind: string }) => m.kind === 'note');
      expect(notes).toEqual([expect.objectContaining({ authorType: 'bot', authorId: bot.id, text: 'The customer asked for a person: "Je veux parler à un humain !"' })]);
      // The first message (a question, not a request) had left it with the bot.
      const handoffs = (await db.query(`SELECT count(*)::int AS n FROM assignment_log WHERE conversation_id = $1 AND reason_code = 'handoff'`, [other])).rows[0].n;
      expect(handoffs).toBe(1);
    });
  });
});
