import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { ADMIN, TestApp, bootFixture, eventually, uid } from './helpers/app';
import { startWebhookReceiver } from './helpers/webhook-receiver';
import { connectSocket } from './helpers/sockets';

describe('foundation: REST API, API channel, outbound webhooks', () => {
  let sut: TestApp;
  let admin: string;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let inbox: { id: string; token: string; webhookSecret: string };
  let db: Client;

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
    hook = await startWebhookReceiver();
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api', webhookUrl: hook.url } });
    expect(res.status).toBe(201);
    inbox = res.body;
  });

  afterAll(async () => {
    await hook?.close();
    await sut?.close();
  });

  const incoming = (body: Record<string, unknown>, token = inbox.token, inboxId = inbox.id) => sut.api('POST', `/inboxes/${inboxId}/incoming`, { token, body });

  describe('health and auth', () => {
    it('answers health with the database up', async () => {
      const res = await sut.api('GET', '/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', database: 'up' });
    });

    it('logs in the admin created at first start', async () => {
      const res = await sut.api('POST', '/auth/login', { body: ADMIN });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ email: ADMIN.email, role: 'admin' });
      expect(res.body.user.passwordHash).toBeUndefined();
    });

    it('refuses a wrong password with 401 and a code', async () => {
      const res = await sut.api('POST', '/auth/login', { body: { email: ADMIN.email, password: 'wrong-password' } });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_CREDENTIALS');
    });

    it('rejects a missing or bad token with 401', async () => {
      expect((await sut.api('GET', '/conversations')).status).toBe(401);
      const bad = await sut.api('GET', '/conversations', { token: 'not.a.jwt' });
      expect(bad.status).toBe(401);
      expect(bad.body.code).toBe('UNAUTHENTICATED');
    });

    it('gives field-level messages for an invalid body', async () => {
      const res = await sut.api('POST', '/users', { token: admin, body: { email: 'nope', name: '', password: 'short', role: 'king', extra: 1 } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.details.fields).sort()).toEqual(['email', 'extra', 'name', 'password', 'role']);
    });

    it('answers malformed JSON with 400 and oversized bodies with 413', async () => {
      const malformed = await sut.api('POST', '/auth/login', { raw: '{"email":' });
      expect(malformed.status).toBe(400);
      const huge = await incoming({ externalId: uid(), contact: { identifier: 'big' }, text: 'x'.repeat(1_100_000) });
      expect(huge.status).toBe(413);
      expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('serves the OpenAPI document', async () => {
      const res = await fetch(`${sut.url}/api/docs-json`);
      expect(res.status).toBe(200);
      const doc = await res.json();
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/inboxes/{id}/incoming', '/api/v1/conversations']));
    });
  });

  describe('API inbox', () => {
    it('returns the token once and never the secrets', async () => {
      expect(inbox.token).toMatch(/^inb_/);
      expect(inbox.webhookSecret).toMatch(/^whsec_/);
      const res = await sut.api('GET', `/inboxes/${inbox.id}`, { token: admin });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(inbox.token);
      expect(JSON.stringify(res.body)).not.toContain(inbox.webhookSecret);
      expect(res.body.settings).toEqual({ webhookUrl: hook.url });
    });

    it('stores the webhook secret encrypted and the token hashed', async () => {
      const { rows } = await db.query(`SELECT secrets, token_hash, settings::text FROM inboxes WHERE id = $1`, [inbox.id]);
      expect(rows[0].secrets).toMatch(/^v1\./);
      expect(rows[0].secrets).not.toContain(inbox.webhookSecret);
      expect(rows[0].token_hash).not.toContain(inbox.token);
      expect(rows[0].settings).not.toContain('whsec_');
    });

    it('rejects an unsupported channel and a bad webhook URL with 400', async () => {
      const bad = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'x', channel: 'fax' } });
      expect(bad.status).toBe(400);
      const url = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'x', channel: 'api', webhookUrl: 'ftp://x' } });
      expect(url.status).toBe(400);
      expect(url.body.details.fields.webhookUrl).toBeDefined();
    });
  });

  describe('incoming messages', () => {
    it('makes one conversation with one message when the same message is posted twice', async () => {
      const payload = { externalId: `ext-${uid()}`, contact: { identifier: `cust-${uid()}`, name: 'Marie Curie', email: 'marie@example.com' }, text: 'My order did not arrive' };
      const first = await incoming(payload);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ duplicate: false });
      const second = await incoming(payload);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ conversationId: first.body.conversationId, messageId: first.body.messageId, duplicate: true });
      const msgs = await sut.api('GET', `/conversations/${first.body.conversationId}/messages`, { token: admin });
      expect(msgs.body.items).toHaveLength(1);
      expect(msgs.body.items[0]).toMatchObject({ direction: 'inbound', kind: 'message', authorType: 'contact', text: 'My order did not arrive' });
      const conv = await sut.api('GET', `/conversations/${first.body.conversationId}`, { token: admin });
      expect(conv.body).toMatchObject({ status: 'open', channel: 'api', contactName: 'Marie Curie', inboxId: inbox.id });
      expect(conv.body.waitingSince).not.toBeNull();
    });

    it('threads messages of one contact into one open conversation, and another thread key into another', async () => {
      const contact = { identifier: `cust-${uid()}` };
      const a = await incoming({ externalId: uid(), contact, text: 'one' });
      const b = await incoming({ externalId: uid(), contact, text: 'two' });
      const c = await incoming({ externalId: uid(), contact, text: 'other topic', threadKey: `t-${uid()}` });
      expect(b.body.conversationId).toBe(a.body.conversationId);
      expect(c.body.conversationId).not.toBe(a.body.conversationId);
      expect(c.body.contactId).toBe(a.body.contactId);
    });

    it('sanitises HTML and derives text from it', async () => {
      const res = await incoming({
        externalId: uid(),
        contact: { identifier: uid() },
        text: '',
        html: '<p>Hello <b>there</b><script>alert(1)</script><img src="https://tracker.example/p.gif"></p>',
      });
      const msgs = await sut.api('GET', `/conversations/${res.body.conversationId}/messages`, { token: admin });
      const m = msgs.body.items[0];
      expect(m.html).not.toContain('<script');
      expect(m.html).toContain('data-remote-src="https://tracker.example/p.gif"');
      expect(m.html).not.toMatch(/\ssrc="https:/);
      expect(m.text).toBe('Hello there');
    });

    it('refuses a bad inbox token (401), another inbox token (403), a user token (403) and missing fields (400)', async () => {
      const body = { externalId: uid(), contact: { identifier: 'x' }, text: 'hi' };
      expect((await incoming(body, 'inb_wrong')).status).toBe(401);
      const other = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Other ${uid()}`, channel: 'api' } });
      expect((await incoming(body, other.body.token)).status).toBe(403);
      expect((await incoming(body, admin)).status).toBe(403);
      const missing = await incoming({ text: 'hi' });
      expect(missing.status).toBe(400);
      expect(Object.keys(missing.body.details.fields)).toEqual(expect.arrayContaining(['externalId', 'contact']));
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [body.externalId]);
      expect(rows[0].n).toBe(0);
    });

    it('answers 404 for an unknown conversation', async () => {
      const res = await sut.api('GET', '/conversations/00000000-0000-4000-8000-000000000000', { token: admin });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('CONVERSATION_NOT_FOUND');
    });
  });

  describe('replies and the signed webhook', () => {
    const newConversation = async () => (await incoming({ externalId: uid(), contact: { identifier: `c-${uid()}` }, text: 'help' })).body.conversationId as string;
    const messageOf = async (conversationId: string, id: string) =>
      (await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin })).body.items.find((m: { id: string }) => m.id === id);

    it('delivers a reply to the webhook URL signed with HMAC-SHA256 and marks it sent', async () => {
      const conversationId = await newConversation();
      const before = hook.received.length;
      const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'We are on it' } });
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ direction: 'outbound', kind: 'message', status: 'queued' });
      const sent = await eventually(async () => {
        const m = await messageOf(conversationId, reply.body.id);
        return m.status === 'sent' && m;
      });
      expect(sent.sentAt).not.toBeNull();
      const delivery = hook.received.slice(before).find((h) => h.json?.message?.id === reply.body.id)!;
      expect(delivery).toBeDefined();
      const expected = 'sha256=' + createHmac('sha256', inbox.webhookSecret).update(delivery.body).digest('hex');
      expect(delivery.headers['x-inbox-signature']).toBe(expected);
      expect(delivery.json).toMatchObject({ event: 'message.created', conversationId, message: { text: 'We are on it' }, author: { type: 'user' } });
      const conv = await sut.api('GET', `/conversations/${conversationId}`, { token: admin });
      expect(conv.body.firstResponseAt).not.toBeNull();
      expect(conv.body.waitingSince).toBeNull();
    });

    it('retries after a 500 and ends sent', async () => {
      const conversationId = await newConversation();
      hook.respondWith([500]);
      const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'second try works' } });
      const sent = await eventually(
        async () => {
          const m = await messageOf(conversationId, reply.body.id);
          return m.status === 'sent' && m;
        },
        30000,
        'the retried send',
      );
      expect(sent.attempts).toBe(2);
      expect(sent.error).toBeNull();
    });

    it('fails at once on a 4xx answer, shows the error, and sends again on retry', async () => {
      const conversationId = await newConversation();
      hook.respondWith([422]);
      const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'rejected' } });
      const failed = await eventually(async () => {
        const m = await messageOf(conversationId, reply.body.id);
        return m.status === 'failed' && m;
      });
      expect(failed.error).toBe('webhook answered HTTP 422');
      expect(failed.attempts).toBe(1);
      const retry = await sut.api('POST', `/conversations/${conversationId}/messages/${reply.body.id}/retry`, { token: admin });
      expect(retry.status).toBe(201);
      await eventually(async () => (await messageOf(conversationId, reply.body.id)).status === 'sent');
      const again = await sut.api('POST', `/conversations/${conversationId}/messages/${reply.body.id}/retry`, { token: admin });
      expect(again.status).toBe(409);
    });

    it('keeps private notes away from the customer', async () => {
      const conversationId = await newConversation();
      const before = hook.received.length;
      const note = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'VIP customer', private: true } });
      expect(note.status).toBe(201);
      expect(note.body).toMatchObject({ kind: 'note', status: null });
      const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'public' } });
      await eventually(async () => (await messageOf(conversationId, reply.body.id)).status === 'sent');
      expect(hook.received.slice(before).map((h) => h.json.message.text)).toEqual(['public']);
    });
  });

  describe('conversation lifecycle', () => {
    it('resolves with an activity line, and a new message on the thread opens a new conversation', async () => {
      const contact = { identifier: `c-${uid()}` };
      const first = await incoming({ externalId: uid(), contact, text: 'hi' });
      const live = await connectSocket(sut.url, admin);
      const patched = await sut.api('PATCH', `/conversations/${first.body.conversationId}`, {
        token: admin,
        body: { status: 'resolved', priority: 3, labels: ['billing', 'vip', 'billing'] },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ status: 'resolved', priority: 3, labels: ['billing', 'vip'] });
      expect(patched.body.resolvedAt).not.toBeNull();
      const msgs = await sut.api('GET', `/conversations/${first.body.conversationId}/messages`, { token: admin });
      const line = msgs.body.items.find((m: { kind: string }) => m.kind === 'activity');
      expect(line.text).toContain('status open → resolved');
      expect(line).toMatchObject({ authorType: 'user', metadata: { previous: { status: 'open', priority: 1, labels: [] }, changes: { status: 'resolved', priority: 3 } } });
      // The line the agents' screens receive live is the one stored, field for field.
      try {
        expect(await live.waitFor('message.created', (m) => m.id === line.id)).toEqual(line);
      } finally {
        live.close();
      }
      const next = await incoming({ externalId: uid(), contact, text: 'again' });
      expect(next.body.conversationId).not.toBe(first.body.conversationId);
      const reopen = await sut.api('PATCH', `/conversations/${first.body.conversationId}`, { token: admin, body: { status: 'open' } });
      expect(reopen.status).toBe(409);
    });

    it('re-opens a pending conversation when the customer writes again', async () => {
      const contact = { identifier: `c-${uid()}` };
      const first = await incoming({ externalId: uid(), contact, text: 'hi' });
      await sut.api('PATCH', `/conversations/${first.body.conversationId}`, { token: admin, body: { status: 'pending' } });
      const again = await incoming({ externalId: uid(), contact, text: 'still there?' });
      expect(again.body.conversationId).toBe(first.body.conversationId);
      expect((await sut.api('GET', `/conversations/${first.body.conversationId}`, { token: admin })).body.status).toBe('open');
    });

    it('needs a future snoozedUntil to snooze', async () => {
      const { body } = await incoming({ externalId: uid(), contact: { identifier: uid() }, text: 'hi' });
      expect((await sut.api('PATCH', `/conversations/${body.conversationId}`, { token: admin, body: { status: 'snoozed' } })).status).toBe(400);
      const until = new Date(Date.now() + 3600_000).toISOString();
      const ok = await sut.api('PATCH', `/conversations/${body.conversationId}`, { token: admin, body: { status: 'snoozed', snoozedUntil: until } });
      expect(ok.body).toMatchObject({ status: 'snoozed', snoozedUntil: until });
    });

    it('pages through the list with a cursor and filters by status and inbox', async () => {
      const first = await sut.api('GET', `/conversations?inboxId=${inbox.id}&limit=2`, { token: admin });
      expect(first.body.items).toHaveLength(2);
      const second = await sut.api('GET', `/conversations?inboxId=${inbox.id}&limit=2&cursor=${first.body.nextCursor}`, { token: admin });
      expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
      expect(new Date(second.body.items[0].lastMessageAt) <= new Date(first.body.items[1].lastMessageAt)).toBe(true);
      const resolved = await sut.api('GET', `/conversations?status=resolved`, { token: admin });
      expect(resolved.body.items.every((c: { status: string }) => c.status === 'resolved')).toBe(true);
      expect((await sut.api('GET', `/conversations?status=nope`, { token: admin })).status).toBe(400);
    });
  });

  describe('roles and inbox membership', () => {
    it('lets an agent see only the inboxes they belong to', async () => {
      const email = `agent-${uid()}@example.com`;
      const created = await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ana', password: 'agent-password', role: 'agent', languages: ['fr'] } });
      expect(created.status).toBe(201);
      expect((await sut.api('POST', '/users', { token: admin, body: { email: email.toUpperCase(), name: 'Dup', password: 'agent-password', role: 'agent' } })).status).toBe(409);
      const agent = await sut.login(email, 'agent-password');
      expect((await sut.api('POST', '/inboxes', { token: agent, body: { name: 'x', channel: 'api' } })).status).toBe(403);
      const { body } = await incoming({ externalId: uid(), contact: { identifier: uid() }, text: 'hi' });
      expect((await sut.api('GET', `/conversations/${body.conversationId}`, { token: agent })).status).toBe(403);
      expect((await sut.api('GET', `/conversations`, { token: agent })).body.items).toHaveLength(0);
      expect((await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: created.body.id } })).status).toBe(201);
      expect((await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: created.body.id } })).status).toBe(409);
      expect((await sut.api('GET', `/conversations/${body.conversationId}`, { token: agent })).status).toBe(200);
      const list = await sut.api('GET', `/conversations?limit=200`, { token: agent });
      expect(list.body.items.every((c: { inboxId: string }) => c.inboxId === inbox.id)).toBe(true);
      const disabled = await sut.api('PATCH', `/users/${created.body.id}`, { token: admin, body: { active: false } });
      expect(disabled.body.active).toBe(false);
      expect((await sut.api('GET', `/conversations`, { token: agent })).status).toBe(401);
    });
  });

  describe('teams, bots and contacts', () => {
    it('creates a team with routing settings and members', async () => {
      const user = await sut.api('POST', '/users', { token: admin, body: { email: `t-${uid()}@example.com`, name: 'Teo', password: 'agent-password', role: 'agent' } });
      const team = await sut.api('POST', '/teams', {
        token: admin,
        body: {
          name: `Billing ${uid()}`,
          strategy: 'round_robin',
          offerTimeoutSeconds: 30,
          defaultCapacity: { webchat: 3, email: 10 },
          businessHours: { timezone: 'Europe/Paris', days: { 1: [{ open: '09:00', close: '17:00' }] } },
        },
      });
      expect(team.status).toBe(201);
      expect((await sut.api('POST', '/teams', { token: admin, body: { name: team.body.name.toUpperCase() } })).status).toBe(409);
      expect((await sut.api('POST', '/teams', { token: admin, body: { name: 'x', defaultCapacity: { fax: 1 } } })).status).toBe(400);
      expect((await sut.api('POST', '/teams', { token: admin, body: { name: 'y', businessHours: { timezone: 'Mars/Olympus', days: {} } } })).status).toBe(400);
      const member = await sut.api('POST', `/teams/${team.body.id}/members`, { token: admin, body: { userId: user.body.id } });
      expect(member.body.memberIds).toEqual([user.body.id]);
    });

    it('lets a bot post into a conversation with its token but not administer', async () => {
      const bot = await sut.api('POST', '/bots', { token: admin, body: { name: 'Triage bot' } });
      expect(bot.status).toBe(201);
      expect(bot.body.token).toMatch(/^bot_/);
      const { body } = await incoming({ externalId: uid(), contact: { identifier: uid() }, text: 'hi' });
      const posted = await sut.api('POST', `/conversations/${body.conversationId}/messages`, { token: bot.body.token, body: { text: 'A human will be with you shortly' } });
      expect(posted.status).toBe(201);
      expect(posted.body).toMatchObject({ authorType: 'bot', authorId: bot.body.id });
      expect((await sut.api('POST', '/inboxes', { token: bot.body.token, body: { name: 'x', channel: 'api' } })).status).toBe(403);
      expect((await sut.api('GET', '/bots', { token: bot.body.token })).status).toBe(403);
      const conv = await sut.api('GET', `/conversations/${body.conversationId}`, { token: admin });
      expect(conv.body.firstResponseAt).toBeNull(); // a bot's answer is not a human first response
      const rotated = await sut.api('POST', `/bots/${bot.body.id}/token`, { token: admin });
      expect((await sut.api('GET', `/conversations/${body.conversationId}`, { token: bot.body.token })).status).toBe(401);
      expect((await sut.api('GET', `/conversations/${body.conversationId}`, { token: rotated.body.token })).status).toBe(200);
    });

    it('shows a contact with identities and conversations, and merges two contacts', async () => {
      const a = await incoming({ externalId: uid(), contact: { identifier: `a-${uid()}`, name: 'Ada' }, text: 'hi' });
      const b = await incoming({ externalId: uid(), contact: { identifier: `b-${uid()}`, email: 'ada@example.com' }, text: 'hello' });
      const merged = await sut.api('POST', `/contacts/${a.body.contactId}/merge`, { token: admin, body: { sourceId: b.body.contactId, confirm: true } });
      expect(merged.status).toBe(201);
      expect(merged.body).toMatchObject({ name: 'Ada', email: 'ada@example.com' });
      expect(merged.body.identities).toHaveLength(2);
      const contact = await sut.api('GET', `/contacts/${a.body.contactId}`, { token: admin });
      expect(contact.body.conversations.map((c: { id: string }) => c.id).sort()).toEqual([a.body.conversationId, b.body.conversationId].sort());
      expect((await sut.api('GET', `/contacts/${b.body.contactId}`, { token: admin })).status).toBe(404);
      const search = await sut.api('GET', `/contacts?search=ada@example`, { token: admin });
      expect(search.body.items.map((c: { id: string }) => c.id)).toContain(a.body.contactId);
    });
  });
});
