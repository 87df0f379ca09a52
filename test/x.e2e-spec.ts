import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { FakeX, startFakeX } from './helpers/fake-x';

const CORPUS = resolve(__dirname, '../../shared/corpus/social/twitter/twitter-ruby');

/** X direct messages end to end: CRC and signed Account Activity webhooks as X sends them, a fake X API checking OAuth 1.0a signatures, real sockets and PostgreSQL. */
describe('X (Twitter) direct messages', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let x: FakeX;
  const sockets: RecordingSocket[] = [];
  let eventId = 1_700_000_000_000_000_000n;

  beforeAll(async () => {
    x = await startFakeX();
    // Two retries: corpus media on X's real hosts cannot be fetched here, and are kept as skipped after the last one.
    ({ sut, admin, db } = await bootFixture({ X_API_URL: x.url, OUTBOUND_RETRY_LIMIT: '2' }));
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()!.close();
  });

  afterAll(async () => {
    await sut?.close();
    await x?.close();
  });

  type Inbox = { id: string; settings: Record<string, any> };
  const fields = () => ({
    consumerKey: x.account.consumerKey,
    consumerSecret: x.account.consumerSecret,
    accessToken: x.account.accessToken,
    accessTokenSecret: x.account.accessTokenSecret,
    userId: x.account.userId,
  });
  const create = async (extra: Record<string, unknown> = {}): Promise<Inbox> => {
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `X ${uid()}`, channel: 'x', ...fields(), ...extra } });
    if (res.status !== 201) throw new Error(`inbox: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  // PUBLIC_URL says localhost; the app listens on sut.url.
  const hook = (inbox: Inbox) => `${sut.url}${new URL(inbox.settings.webhookUrl).pathname}`;
  const dm = (from: string, to: string, text: string, extra: Record<string, unknown> = {}) => ({
    type: 'message_create',
    id: String(++eventId),
    created_timestamp: String(Date.now()),
    message_create: { target: { recipient_id: to }, sender_id: from, message_data: { text, ...extra } },
  });
  const activity = (events: unknown[], users: Record<string, unknown> = {}) => ({ for_user_id: x.account.userId, direct_message_events: events, users });
  const counts = async () => (await db.query(`SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM channel_events)::int AS events`)).rows[0];
  const messageBy = async (inboxId: string, externalId: string) =>
    eventually(
      async () =>
        (await db.query(`SELECT id, conversation_id, text, metadata, status, direction, author_type FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inboxId, externalId]))
          .rows[0],
      20000,
      `message ${externalId}`,
    );
  const settled = async (id: string) =>
    eventually(
      async () => (await db.query(`SELECT status, error, attempts, external_id FROM messages WHERE id = $1 AND status IN ('sent', 'failed')`, [id])).rows[0],
      30000,
      `reply ${id}`,
    );
  const drained = () =>
    eventually(
      async () => {
        const pending = (await db.query(`SELECT state, output FROM pgboss.job WHERE name = 'x-intake' AND state NOT IN ('completed', 'failed')`)).rows;
        if (pending.length) throw new Error(JSON.stringify(pending));
        return true;
      },
      30000,
      'the X queue',
    );

  describe('adding an account', () => {
    it('checks the credentials with a signed GET /2/users/me, keeps them encrypted, shows the webhook URL', async () => {
      const inbox = await create();
      expect(inbox.settings).toEqual({
        userId: x.account.userId,
        username: x.account.username,
        webhookUrl: expect.stringMatching(/^http:\/\/localhost:\d+\/api\/v1\/channels\/x\/[0-9a-f-]{36}\/webhook$/),
      });
      expect(x.calls.at(-1)).toMatchObject({ method: 'GET', path: '/2/users/me', signed: true });
      const { secrets } = (await db.query(`SELECT secrets FROM inboxes WHERE id = $1`, [inbox.id])).rows[0];
      for (const s of [x.account.consumerSecret, x.account.accessTokenSecret, x.account.accessToken]) {
        expect(secrets).not.toContain(s);
        expect(JSON.stringify(inbox)).not.toContain(s);
      }
    });

    it.each([
      [{ consumerKey: undefined }, 'consumerKey'],
      [{ consumerSecret: 'short' }, 'consumerSecret'],
      [{ accessToken: 'not-a-token' }, 'accessToken'],
      [{ userId: '@acme' }, 'userId'],
      [{ accessTokenSecret: 'ats-wrong-wrong-wrong-wrong' }, 'accessToken'],
      [{ userId: '12345' }, 'userId'],
    ])('%j: 400 naming %s', async (patch, field) => {
      const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Bad', channel: 'x', ...fields(), ...patch } });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.details.fields)).toEqual([field]);
    });

    it('tells a network failure (502) from refused credentials, at creation and in the connection test', async () => {
      x.script('/2/users/me', [{ drop: true }]);
      const down = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'X', channel: 'x', ...fields() } });
      expect([down.status, down.body.code]).toEqual([502, 'UPSTREAM_FAILED']);
      const inbox = await create();
      expect((await sut.api('POST', `/inboxes/${inbox.id}/x/test-connection`, { token: admin })).body).toMatchObject({ ok: true, account: { id: x.account.userId } });
      x.script('/2/users/me', [{ drop: true }]);
      expect((await sut.api('POST', `/inboxes/${inbox.id}/x/test-connection`, { token: admin })).body).toMatchObject({ ok: false, problem: 'network' });
      x.script('/2/users/me', [{ status: 401, title: 'Unauthorized', detail: 'Unauthorized' }]);
      expect((await sut.api('POST', `/inboxes/${inbox.id}/x/test-connection`, { token: admin })).body).toMatchObject({ ok: false, problem: 'credentials', field: 'accessToken' });
    });
  });

  describe('the webhook', () => {
    let inbox: Inbox;
    beforeAll(async () => {
      inbox = await create();
    });

    it('answers the CRC check with the HMAC of the token', async () => {
      const crc = await x.crc(hook(inbox));
      expect(crc).toMatchObject({ status: 200, valid: true, body: { response_token: expect.stringMatching(/^sha256=/) } });
      expect((await fetch(hook(inbox))).status).toBe(400);
    });

    it('refuses unsigned, wrongly signed and tampered bodies with 401 and stores nothing', async () => {
      const body = JSON.stringify(activity([dm('777', x.account.userId, 'forged')]));
      const before = await counts();
      const attempts = [
        await x.deliver(hook(inbox), body, { signature: null }),
        await x.deliver(hook(inbox), body, { signature: 'sha256=AAAA' }),
        await x.deliver(hook(inbox), body, { signature: 'sha1=abc' }),
        await sut.api('POST', new URL(hook(inbox)).pathname.replace('/api/v1', ''), {
          raw: body.replace('forged', 'f0rged'),
          headers: {
            'x-twitter-webhooks-signature': (await import('node:crypto')).createHmac('sha256', x.account.consumerSecret).update(body).digest('base64').replace(/^/, 'sha256='),
          },
        }),
      ];
      expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 401]);
      expect(attempts.map((a) => a.body.message)).toEqual([
        'X signature rejected: x-twitter-webhooks-signature header missing',
        'X signature rejected: signature mismatch',
        'X signature rejected: x-twitter-webhooks-signature must start with sha256=',
        'X signature rejected: signature mismatch',
      ]);
      expect(await counts()).toEqual(before);
    });

    it('never duplicates a redelivered body, nor the same event id in another body', async () => {
      const event = dm('778', x.account.userId, 'twice');
      const body = activity([event]);
      const raced = await Promise.all([1, 2, 3].map(() => x.deliver(hook(inbox), body)));
      expect(raced.map((r) => r.body.outcome).sort()).toEqual(['duplicate', 'duplicate', 'queued']);
      expect((await x.deliver(hook(inbox), { ...body, users: { 778: { id: '778', name: 'Rewrapped' } } })).body.outcome).toBe('queued');
      await drained();
      expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inbox.id, event.id])).rows[0].n).toBe(1);
    });

    it('replays the corpus: each file rejected or ignored with a reason, its DM events stored when wrapped as X delivers them', async () => {
      const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json'));
      const outcomes: Record<string, number> = {};
      for (const f of files) {
        const res = await x.deliver(hook(inbox), readFileSync(resolve(CORPUS, f), 'utf8'));
        expect(res.status).toBe(200);
        expect(res.body.reason).toEqual(expect.any(String));
        outcomes[res.body.outcome] = (outcomes[res.body.outcome] ?? 0) + 1;
      }
      // API responses and legacy objects, none an Account Activity body.
      expect(outcomes).toEqual({ rejected: files.length });
      const events = [
        ...JSON.parse(readFileSync(resolve(CORPUS, 'direct_message_events.json'), 'utf8')).events,
        JSON.parse(readFileSync(resolve(CORPUS, 'direct_message_event.json'), 'utf8')).event,
      ];
      // The samples were sent to other accounts: addressed to ours here.
      const ours = events.map((e: any) => ({ ...e, message_create: { ...e.message_create, target: { recipient_id: x.account.userId } } }));
      const res = await x.deliver(hook(inbox), activity(ours));
      expect(res.body).toMatchObject({ outcome: 'queued', items: ours.length });
      await drained();
      const stored = (await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id = ANY($2::text[])`, [inbox.id, ours.map((e: any) => e.id)]))
        .rows[0].n;
      expect(stored).toBe(ours.length);
      const skipped = (await db.query(`SELECT metadata->'skippedMedia' AS s FROM messages WHERE inbox_id = $1 AND metadata ? 'skippedMedia'`, [inbox.id])).rows;
      expect(skipped.length).toBeGreaterThan(0);
      expect(skipped[0].s[0].reason).toMatch(/^X media download failed: unreachable/);
    });
  });

  describe('a customer conversation', () => {
    let inbox: Inbox;
    let agent: { id: string; token: string };
    beforeAll(async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `X ${uid()}` } })).body;
      inbox = await create({ teamId: team.id });
      const email = `agent-${uid()}@example.com`;
      const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ana', password: 'agent-password', role: 'agent', capacity: { x: 3 } } })).body;
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: user.id } });
      await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
      agent = { id: user.id, token: await sut.login(email, 'agent-password') };
    });

    it('after the CRC check, a DM is routed live, the reply goes to the participant signed with OAuth 1.0a, and its echo is no copy', async () => {
      expect((await x.crc(hook(inbox))).valid).toBe(true);
      const socket = await connectSocket(sut.url, agent.token);
      sockets.push(socket);
      await eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [agent.id])).rows[0]?.presence === 'online');
      const event = dm('4401', x.account.userId, 'My order https://t.co/aa is wrong', {
        entities: { urls: [{ url: 'https://t.co/aa', expanded_url: 'https://shop.example.com/o/4401' }] },
      });
      expect((await x.deliver(hook(inbox), activity([event], { 4401: { id: '4401', name: 'Marta Rossi', screen_name: 'marta' } }))).body).toEqual({
        ok: true,
        outcome: 'queued',
        items: 1,
      });
      const assigned = await socket.waitFor('conversation.assigned', (d) => d.agentId === agent.id);
      const first = await socket.waitFor('message.created', (d) => d.conversationId === assigned.conversationId && d.kind === 'message');
      expect(first).toMatchObject({ direction: 'inbound', text: 'My order https://shop.example.com/o/4401 is wrong', externalId: event.id });
      expect((await sut.api('GET', `/conversations/${assigned.conversationId}`, { token: agent.token })).body).toMatchObject({ channel: 'x', contactName: 'Marta Rossi' });

      const reply = await sut.api('POST', `/conversations/${assigned.conversationId}/messages`, { token: agent.token, body: { text: 'Sorry Marta, fixing it.' } });
      const sent = await socket.waitFor('message.updated', (d) => d.id === reply.body.id && d.status === 'sent');
      const call = x.sends().find((c) => c.body?.text === 'Sorry Marta, fixing it.')!;
      expect(call).toMatchObject({
        path: '/2/dm_conversations/with/4401/messages',
        signed: true,
        body: { text: 'Sorry Marta, fixing it.' },
        oauth: expect.objectContaining({
          oauth_consumer_key: x.account.consumerKey,
          oauth_token: x.account.accessToken,
          oauth_signature_method: 'HMAC-SHA1',
          oauth_version: '1.0',
        }),
      });

      // X echoes our own message to the webhook: the same event id, so nothing new.
      const echo = {
        type: 'message_create',
        id: sent.externalId,
        created_timestamp: String(Date.now()),
        message_create: { target: { recipient_id: '4401' }, sender_id: x.account.userId, message_data: { text: 'Sorry Marta, fixing it.' } },
      };
      await x.deliver(hook(inbox), activity([echo]));
      // A message the account sent from the X app is an outbound echo, never a customer message.
      const fromApp = dm(x.account.userId, '4401', 'Sent from the X app');
      await x.deliver(hook(inbox), activity([fromApp]));
      expect(await messageBy(inbox.id, fromApp.id)).toMatchObject({ direction: 'outbound', author_type: 'system', status: 'sent', conversation_id: assigned.conversationId });
      await drained();
      expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND text = 'Sorry Marta, fixing it.'`, [assigned.conversationId])).rows[0].n).toBe(
        1,
      );
    });

    it('stores DM media fetched with a signed request', async () => {
      const url = x.addMedia('/1.1/ton/data/dm/9/44/photo.jpg', { type: 'image/jpeg', data: Buffer.from('x-jpeg') });
      const event = dm('4402', x.account.userId, 'see https://t.co/pic', {
        attachment: { type: 'media', media: { id_str: '44', type: 'photo', url: 'https://t.co/pic', media_url_https: url } },
      });
      await x.deliver(hook(inbox), activity([event]));
      const row = await messageBy(inbox.id, event.id);
      const summary = (await sut.api('GET', `/conversations/${row.conversation_id}/messages`, { token: admin })).body.items.find((m: any) => m.id === row.id);
      expect(summary).toMatchObject({ text: 'see', attachments: [expect.objectContaining({ fileName: 'photo.jpg', contentType: 'image/jpeg', size: 6 })] });
      expect(x.calls.find((c) => c.path === '/1.1/ton/data/dm/9/44/photo.jpg')).toMatchObject({ signed: true });
    });

    it("retries a rate-limited reply after the reset and ends sent; a refused DM fails at once with X's reason", async () => {
      const event = dm('4403', x.account.userId, 'hello');
      await x.deliver(hook(inbox), activity([event]));
      const row = await messageBy(inbox.id, event.id);
      x.script('/2/dm_conversations/with/4403/messages', [{ status: 429, title: 'Too Many Requests', detail: 'Too Many Requests', reset: Math.floor(Date.now() / 1000) + 1 }]);
      const reply = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'after the limit' } });
      expect(await settled(reply.body.id)).toMatchObject({ status: 'sent' });
      expect(x.sends().filter((c) => c.body?.text === 'after the limit')).toHaveLength(2);

      x.script('/2/dm_conversations/with/4403/messages', [{ status: 403, title: 'Forbidden', detail: 'You are not permitted to send Direct Messages to this user.' }]);
      const refused = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'refused' } });
      expect(await settled(refused.body.id)).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: 'X_REJECTED: Forbidden: You are not permitted to send Direct Messages to this user.',
      });
    });
  });
});
