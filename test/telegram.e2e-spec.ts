import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { FakeTelegram, TELEGRAM_ERRORS, startFakeTelegram } from './helpers/fake-telegram';

const CORPUS = resolve(__dirname, '../../shared/corpus/social/telegram/nutgram');
const now = () => Math.floor(Date.now() / 1000);

/** Telegram end to end: a fake Bot API speaking its wire format, updates POSTed with the secret token as Telegram does, real sockets and PostgreSQL. */
describe('Telegram channel', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let tg: FakeTelegram;
  const sockets: RecordingSocket[] = [];
  let updateId = 900000;
  let messageId = 100;

  beforeAll(async () => {
    tg = await startFakeTelegram();
    ({ sut, admin, db } = await bootFixture({ TELEGRAM_API_URL: tg.url }));
    tg.appOrigin = sut.url;
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()!.close();
  });

  afterAll(async () => {
    await sut?.close();
    await tg?.close();
  });

  type Inbox = { id: string; settings: Record<string, any> };
  const create = async (extra: Record<string, unknown> = {}): Promise<Inbox> => {
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Telegram ${uid()}`, channel: 'telegram', botToken: tg.bot.token, ...extra } });
    if (res.status !== 201) throw new Error(`inbox: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const user = (id: number, f: Partial<{ first_name: string; last_name: string; username: string; language_code: string }> = {}) => ({
    id,
    is_bot: false,
    first_name: 'Olena',
    ...f,
  });
  const privateText = (from: ReturnType<typeof user>, text: string, extra: Record<string, unknown> = {}) => ({
    update_id: ++updateId,
    message: { message_id: ++messageId, from, chat: { id: from.id, first_name: from.first_name, type: 'private' }, date: now(), text, ...extra },
  });
  /** A private chat's photo (sizes as Telegram lists them, smallest first). */
  const privatePhoto = (
    from: ReturnType<typeof user>,
    photo: Array<{ file_id: string; file_unique_id: string; width: number; height: number; file_size: number }>,
    extra: Record<string, unknown> = {},
  ) => ({
    update_id: ++updateId,
    message: { message_id: ++messageId, from, chat: { id: from.id, type: 'private' }, date: now(), photo, ...extra },
  });
  const counts = async () =>
    (
      await db.query(
        `SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM channel_events)::int AS events, (SELECT count(*) FROM conversations)::int AS conversations`,
      )
    ).rows[0];
  const messageBy = async (inboxId: string, externalId: string) =>
    eventually(
      async () =>
        (await db.query(`SELECT id, conversation_id, text, metadata, status, error, direction FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inboxId, externalId]))
          .rows[0],
      20000,
      `message ${externalId}`,
    );
  const messageRow = async (id: string) => (await db.query(`SELECT status, error, external_id, attempts FROM messages WHERE id = $1`, [id])).rows[0];
  const settled = async (id: string) =>
    eventually(async () => ((await messageRow(id)).status === 'sent' || (await messageRow(id)).status === 'failed' ? messageRow(id) : null), 30000, `reply ${id} to settle`);
  const drained = () =>
    eventually(
      async () => (await db.query(`SELECT 1 FROM pgboss.job WHERE name = 'telegram-intake' AND state NOT IN ('completed', 'failed')`)).rows.length === 0,
      30000,
      'the Telegram queue to drain',
    );

  describe('adding a bot', () => {
    it('checks the token with getMe, registers the webhook with a secret token, keeps secrets encrypted', async () => {
      const inbox = await create();
      expect(inbox.settings).toEqual({
        botId: tg.bot.id,
        botUsername: tg.bot.username,
        botName: tg.bot.firstName,
        webhookUrl: expect.stringMatching(/^http:\/\/localhost:\d+\/api\/v1\/channels\/telegram\/[0-9a-f-]{36}\/webhook$/),
      });
      expect(tg.webhook).toEqual({
        url: inbox.settings.webhookUrl,
        secretToken: expect.stringMatching(/^[\w-]{40,}$/),
        allowedUpdates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
      });
      expect(JSON.stringify(inbox)).not.toContain(tg.bot.token);
      const { secrets } = (await db.query(`SELECT secrets FROM inboxes WHERE id = $1`, [inbox.id])).rows[0];
      expect(secrets).toMatch(/^v1\./);
      expect(secrets).not.toContain(tg.bot.token);
      expect(secrets).not.toContain(tg.webhook.secretToken);
    });

    it.each([
      [{ botToken: undefined }, 'botToken', /must be the token @BotFather gave the bot/],
      [{ botToken: 'xoxb-not-telegram' }, 'botToken', /must be the token/],
      [{ botToken: '7000000001:AAwrongwrongwrongwrongwrongwrongwrong' }, 'botToken', /Telegram refused the token \(Unauthorized\)/],
    ])('%j: 400 naming %s', async (patch, field, message) => {
      const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Bad', channel: 'telegram', ...patch } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.details.fields)).toEqual([field]);
      expect(res.body.message).toMatch(message);
    });

    it('tells a network failure (502) from a refused token, at creation and in the connection test', async () => {
      tg.script('getMe', [{ drop: true }]);
      const down = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'TG', channel: 'telegram', botToken: tg.bot.token } });
      expect(down.status).toBe(502);
      expect(down.body.code).toBe('UPSTREAM_FAILED');

      const inbox = await create();
      expect((await sut.api('POST', `/inboxes/${inbox.id}/telegram/test-connection`, { token: admin })).body).toMatchObject({
        ok: true,
        account: { id: String(tg.bot.id), username: tg.bot.username },
        webhook: { url: inbox.settings.webhookUrl, registered: true },
      });
      tg.script('getMe', [{ drop: true }]);
      expect((await sut.api('POST', `/inboxes/${inbox.id}/telegram/test-connection`, { token: admin })).body).toMatchObject({
        ok: false,
        problem: 'network',
        code: 'UPSTREAM_FAILED',
      });
      tg.script('getMe', [{ status: 401, description: 'Unauthorized' }]);
      expect((await sut.api('POST', `/inboxes/${inbox.id}/telegram/test-connection`, { token: admin })).body).toMatchObject({
        ok: false,
        problem: 'credentials',
        field: 'botToken',
        message: expect.stringContaining('Unauthorized'),
      });
    });

    it('deleting the inbox calls deleteWebhook', async () => {
      const inbox = await create();
      expect(tg.webhook.url).toBe(inbox.settings.webhookUrl);
      expect((await sut.api('DELETE', `/inboxes/${inbox.id}`, { token: admin })).status).toBe(204);
      expect(tg.webhook.url).toBeNull();
      expect(tg.calls.at(-1)).toMatchObject({ method: 'deleteWebhook', token: tg.bot.token });
    });
  });

  describe('the webhook endpoint', () => {
    let inbox: Inbox;
    beforeAll(async () => {
      inbox = await create();
    });

    it('refuses a missing or wrong secret token with 401 and stores nothing; an unknown inbox is 404', async () => {
      const update = privateText(user(41001), 'forged');
      const before = await counts();
      const missing = await tg.deliver(update, { secretToken: null });
      const wrong = await tg.deliver(update, { secretToken: 'not-the-secret-token-00000000000000000000000' });
      expect([missing.status, wrong.status]).toEqual([401, 401]);
      expect([missing.body.message, wrong.body.message]).toEqual([
        'Telegram webhook rejected: X-Telegram-Bot-Api-Secret-Token header missing',
        'Telegram webhook rejected: secret token mismatch',
      ]);
      expect(await counts()).toEqual(before);
      const unknown = await sut.api('POST', '/channels/telegram/00000000-0000-4000-8000-000000000000/webhook', {
        body: update,
        headers: { 'x-telegram-bot-api-secret-token': tg.webhook.secretToken! },
      });
      expect(unknown.status).toBe(404);
    });

    it('keeps an authentic update it cannot use with the reason, answered 200 so Telegram does not retry it', async () => {
      const res = await tg.deliver({ message: { message_id: 1, text: 'no update id' } });
      expect(res).toEqual({ status: 200, body: { ok: true, outcome: 'rejected', reason: 'update_id missing or not an integer' } });
      const listed = await sut.api('GET', `/inboxes/${inbox.id}/channel-events?outcome=rejected`, { token: admin });
      expect(listed.body).toEqual([
        expect.objectContaining({ outcome: 'rejected', reason: 'update_id missing or not an integer', payload: { message: { message_id: 1, text: 'no update id' } } }),
      ]);
      const ignored = await tg.deliver({ update_id: ++updateId, inline_query: { id: '1', from: user(1), query: 'x', offset: '' } });
      expect(ignored.body).toEqual({ ok: true, outcome: 'ignored', reason: 'update type inline_query is not handled' });
    });

    it('never duplicates a redelivered update_id, even when the copies race', async () => {
      const update = privateText(user(41002), 'Delivered more than once');
      const raced = await Promise.all([1, 2, 3].map(() => tg.deliver(update)));
      expect(raced.map((r) => r.body.outcome).sort()).toEqual(['duplicate', 'duplicate', 'queued']);
      await drained();
      expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inbox.id, `41002:${update.message.message_id}`])).rows[0].n).toBe(
        1,
      );
    });
  });

  describe('a customer conversation', () => {
    let inbox: Inbox;
    let agent: { id: string; token: string };

    beforeAll(async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `TG ${uid()}` } })).body;
      inbox = await create({ teamId: team.id });
      const email = `agent-${uid()}@example.com`;
      const created = (
        await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ana', password: 'agent-password', role: 'agent', capacity: { telegram: 5 }, languages: ['uk'] } })
      ).body;
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: created.id } });
      await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: created.id } });
      agent = { id: created.id, token: await sut.login(email, 'agent-password') };
    });

    it('routes a private message to an online agent live; the reply reaches sendMessage with the right chat_id; an edit updates the message', async () => {
      const socket = await connectSocket(sut.url, agent.token);
      sockets.push(socket);
      await eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [agent.id])).rows[0]?.presence === 'online');
      const customer = user(52001, { first_name: 'Olena', last_name: 'Koval', username: 'olenak', language_code: 'uk' });
      const update = privateText(customer, 'Добрий день, my parcel is late');
      expect((await tg.deliver(update)).body).toEqual({ ok: true, outcome: 'queued' });
      const assigned = await socket.waitFor('conversation.assigned', (d) => d.agentId === agent.id);
      const first = await socket.waitFor('message.created', (d) => d.conversationId === assigned.conversationId && d.kind === 'message');
      expect(first).toMatchObject({ direction: 'inbound', text: 'Добрий день, my parcel is late', externalId: `52001:${update.message.message_id}` });
      const conv = (await sut.api('GET', `/conversations/${assigned.conversationId}`, { token: agent.token })).body;
      expect(conv).toMatchObject({ channel: 'telegram', contactName: 'Olena Koval', language: 'uk' });

      const reply = await sut.api('POST', `/conversations/${assigned.conversationId}/messages`, {
        token: agent.token,
        body: { text: 'Checking it now.', metadata: { replyToExternalId: first.externalId } },
      });
      expect(reply.status).toBe(201);
      const sent = await socket.waitFor('message.updated', (d) => d.id === reply.body.id && d.status === 'sent');
      const call = tg.sends('sendMessage').find((c) => c.params.text === 'Checking it now.')!;
      expect(call.token).toBe(tg.bot.token);
      expect(call.params).toEqual({ chat_id: '52001', text: 'Checking it now.', reply_parameters: { message_id: update.message.message_id, allow_sending_without_reply: true } });
      expect(sent.externalId).toMatch(/^52001:\d+$/);

      await tg.deliver({ update_id: ++updateId, edited_message: { ...update.message, text: 'Добрий день, my parcel #4471 is late', edit_date: now() } });
      const edited = await socket.waitFor('message.updated', (d) => d.id === first.id);
      expect(edited).toMatchObject({
        text: 'Добрий день, my parcel #4471 is late',
        metadata: expect.objectContaining({ edited: expect.objectContaining({ previousText: 'Добрий день, my parcel is late' }) }),
      });
    });

    it('stores a photo fetched with getFile as an attachment, records a button press and answers it', async () => {
      tg.addFile('PHOTO-BIG', { path: 'photos/file_7.jpg', mimeType: 'image/jpeg', data: Buffer.from('fake-jpeg-bytes') });
      const customer = user(52002);
      const update = privatePhoto(
        customer,
        [
          { file_id: 'PHOTO-SMALL', file_unique_id: 's', width: 90, height: 90, file_size: 10 },
          { file_id: 'PHOTO-BIG', file_unique_id: 'b', width: 800, height: 800, file_size: 15 },
        ],
        { caption: 'the box' },
      );
      await tg.deliver(update);
      const row = await messageBy(inbox.id, `52002:${update.message.message_id}`);
      const summary = (await sut.api('GET', `/conversations/${row.conversation_id}/messages`, { token: admin })).body.items.find((m: any) => m.id === row.id);
      expect(summary).toMatchObject({ text: 'the box', attachments: [expect.objectContaining({ fileName: 'file_7.jpg', contentType: 'image/jpeg', size: 15 })] });
      expect(tg.calls.filter((c) => c.method === 'getFile').map((c) => c.params.file_id)).toContain('PHOTO-BIG');

      await tg.deliver({
        update_id: ++updateId,
        callback_query: {
          id: '4382bfdwdsb323b2d9',
          from: customer,
          chat_instance: '1',
          data: 'rate:5',
          message: {
            message_id: 9,
            from: { id: tg.bot.id, is_bot: true, first_name: 'Acme' },
            chat: { id: customer.id, type: 'private' },
            date: now(),
            text: 'How did we do?',
            reply_markup: { inline_keyboard: [[{ text: '⭐⭐⭐⭐⭐', callback_data: 'rate:5' }]] },
          },
        },
      });
      const pressed = await messageBy(inbox.id, 'callback:4382bfdwdsb323b2d9');
      expect(pressed).toMatchObject({
        text: '🔘 ⭐⭐⭐⭐⭐',
        conversation_id: row.conversation_id,
        metadata: expect.objectContaining({ callbackQuery: { id: '4382bfdwdsb323b2d9', data: 'rate:5', label: '⭐⭐⭐⭐⭐' } }),
      });
      await eventually(async () => tg.calls.some((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === '4382bfdwdsb323b2d9'));
    });

    it('gives each forum topic its own conversation and answers into the topic', async () => {
      const group = { id: -1001234567001, title: 'Acme customers', is_forum: true, type: 'supergroup' };
      const inTopic = (topic: number, from: ReturnType<typeof user>, text: string) => ({
        update_id: ++updateId,
        message: { message_id: ++messageId, from, chat: group, date: now(), message_thread_id: topic, is_topic_message: true, text },
      });
      const a = inTopic(11, user(52010), 'Topic A question');
      const b = inTopic(12, user(52011), 'Topic B question');
      const a2 = inTopic(11, user(52012), 'Topic A, someone else');
      for (const u of [a, b, a2]) await tg.deliver(u);
      const found = [];
      for (const u of [a, b, a2]) found.push(await messageBy(inbox.id, `${group.id}:${u.message.message_id}`));
      const [ra, rb, ra2] = found;
      expect(ra.conversation_id).toBe(ra2.conversation_id);
      expect(rb.conversation_id).not.toBe(ra.conversation_id);
      const conv = (await db.query(`SELECT thread_key, subject FROM conversations WHERE id = $1`, [ra.conversation_id])).rows[0];
      expect(conv).toEqual({ thread_key: `telegram:${group.id}:topic:11`, subject: 'Acme customers' });
      const reply = await sut.api('POST', `/conversations/${rb.conversation_id}/messages`, { token: admin, body: { text: 'Answer in topic B' } });
      expect(await settled(reply.body.id)).toMatchObject({ status: 'sent' });
      expect(tg.sends('sendMessage').find((c) => c.params.text === 'Answer in topic B')!.params).toEqual({
        chat_id: String(group.id),
        message_thread_id: 12,
        text: 'Answer in topic B',
      });
    });

    it('a user who blocked the bot: the reply fails with a clear reason, without calling Telegram; a 403 from Telegram fails at once too', async () => {
      const customer = user(52020);
      const first = privateText(customer, 'one last question');
      await tg.deliver(first);
      const row = await messageBy(inbox.id, `52020:${first.message.message_id}`);
      await tg.deliver({
        update_id: ++updateId,
        my_chat_member: {
          chat: { id: customer.id, first_name: 'Olena', type: 'private' },
          from: customer,
          date: now(),
          old_chat_member: { user: { id: tg.bot.id, is_bot: true, first_name: 'Acme' }, status: 'member' },
          new_chat_member: { user: { id: tg.bot.id, is_bot: true, first_name: 'Acme' }, status: 'kicked', until_date: 0 },
        },
      });
      await eventually(
        async () =>
          (await db.query(`SELECT unreachable_reason FROM contact_identities WHERE channel = 'telegram' AND address = '52020'`)).rows[0]?.unreachable_reason ===
          'the customer blocked the bot',
      );
      const before = tg.sends().length;
      const reply = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'Are you there?' } });
      const failed = await settled(reply.body.id);
      expect(failed).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: expect.stringMatching(/^TELEGRAM_BLOCKED: the customer blocked the bot \(since .+\); the reply can reach them once they unblock the bot or write again$/),
      });
      expect(tg.sends().length).toBe(before);

      // Telegram's own 403 (blocked before we heard of it) fails at once with its text.
      const other = user(52021);
      const hello = privateText(other, 'hello');
      await tg.deliver(hello);
      const otherRow = await messageBy(inbox.id, `52021:${hello.message.message_id}`);
      tg.block(other.id);
      const refused = await sut.api('POST', `/conversations/${otherRow.conversation_id}/messages`, { token: admin, body: { text: 'Refused by Telegram' } });
      expect(await settled(refused.body.id)).toMatchObject({ status: 'failed', attempts: 1, error: 'TELEGRAM_BLOCKED: Forbidden: bot was blocked by the user' });
    });

    it("sends an agent's quick replies in the order written, one at a time, while other conversations' replies go out", async () => {
      const reply = (conversationId: string, text: string) => sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text } });
      const hello = privateText(user(52040), 'two questions');
      await tg.deliver(hello);
      const row = await messageBy(inbox.id, `52040:${hello.message.message_id}`);
      const hi = privateText(user(52041), 'me too');
      await tg.deliver(hi);
      const otherRow = await messageBy(inbox.id, `52041:${hi.message.message_id}`);

      let release!: () => void;
      tg.script('sendMessage', [{ hold: new Promise<void>((r) => (release = r)) }]);
      await reply(row.conversation_id, 'First, your parcel');
      await eventually(async () => tg.calls.some((c) => c.method === 'sendMessage' && c.params.text === 'First, your parcel'), 20000, 'the first reply at Telegram');
      const second = (await reply(row.conversation_id, 'Second, your refund')).body;
      const elsewhere = (await reply(otherRow.conversation_id, 'Hello from the other chat')).body;
      expect(await settled(elsewhere.id)).toMatchObject({ status: 'sent' });
      // Written after the first, the second waits unsent until the first has gone out.
      expect(tg.calls.some((c) => c.params.text === 'Second, your refund')).toBe(false);
      expect((await messageRow(second.id)).status).toBe('queued');
      release();
      expect(await settled(second.id)).toMatchObject({ status: 'sent' });
      expect(
        tg
          .sends('sendMessage')
          .map((c) => c.params.text)
          .filter((t) => /^(First|Second),/.test(t)),
      ).toEqual(['First, your parcel', 'Second, your refund']);
    });

    it('honours retry_after on 429 and ends sent', async () => {
      const customer = user(52030);
      const hello = privateText(customer, 'rate me');
      await tg.deliver(hello);
      const row = await messageBy(inbox.id, `52030:${hello.message.message_id}`);
      tg.script('sendMessage', [TELEGRAM_ERRORS.tooMany(1)]);
      const reply = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'After the pause' } });
      expect(await settled(reply.body.id)).toMatchObject({ status: 'sent', error: null });
      const tries = tg.calls.filter((c) => c.method === 'sendMessage' && c.params.text === 'After the pause');
      expect(tries).toHaveLength(2);
      // Not sooner than Telegram asked.
      expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(1000);
    });
  });

  it("works inboxes side by side and each inbox's updates in order: a slow media download holds only its own inbox", async () => {
    const slow = await create();
    const slowHook = { ...tg.webhook };
    const other = await create();
    const otherHook = { ...tg.webhook };
    const deliverTo = (hook: FakeTelegram['webhook'], update: object) => {
      Object.assign(tg.webhook, hook);
      return tg.deliver(update);
    };
    const jobState = async (updateIdOf: number) =>
      (await db.query(`SELECT state FROM pgboss.job WHERE name = 'telegram-intake' AND data->>'updateId' = $1`, [String(updateIdOf)])).rows[0]?.state;

    tg.addFile('SLOW-PHOTO', { path: 'photos/file_9.jpg', mimeType: 'image/jpeg', data: Buffer.from('slow-jpeg-bytes') });
    let release!: () => void;
    tg.script('getFile', [{ hold: new Promise<void>((r) => (release = r)) }]);
    const customer = user(53001);
    const photo = privatePhoto(customer, [{ file_id: 'SLOW-PHOTO', file_unique_id: 'sp', width: 800, height: 800, file_size: 15 }]);
    expect((await deliverTo(slowHook, photo)).body.outcome).toBe('queued');
    await eventually(async () => tg.calls.some((c) => c.method === 'getFile' && c.params.file_id === 'SLOW-PHOTO'), 20000, 'the held getFile');
    // The same customer's next message waits behind the photo (its inbox's order) ...
    const after = privateText(customer, 'did you get the photo?');
    expect((await deliverTo(slowHook, after)).body.outcome).toBe('queued');
    // ... while another inbox's customer, who wrote later, is served.
    const elsewhere = privateText(user(53002), 'hello from another bot');
    expect((await deliverTo(otherHook, elsewhere)).body.outcome).toBe('queued');
    await messageBy(other.id, `53002:${elsewhere.message.message_id}`);
    // Filed before the other inbox's update, yet not started: its inbox has a job running.
    expect(await jobState(after.update_id)).toBe('created');
    expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1`, [slow.id])).rows[0].n).toBe(0);

    release();
    await messageBy(slow.id, `53001:${after.message.message_id}`);
    // In order: the message's job started once the photo's had ended (their stored times are
    // Telegram's, to the second, so they cannot tell).
    const ran = async (u: number) =>
      (await db.query(`SELECT started_on, completed_on FROM pgboss.job WHERE name = 'telegram-intake' AND data->>'updateId' = $1`, [String(u)])).rows[0];
    const [photoJob, afterJob] = [await ran(photo.update_id), await ran(after.update_id)];
    expect(afterJob.started_on.getTime()).toBeGreaterThanOrEqual(photoJob.completed_on.getTime());
  });

  it('replays every update of the corpus: each queued, ignored or rejected with a reason, none fails', async () => {
    const inbox = await create();
    const outcomes: Record<string, number> = {};
    const files = readdirSync(CORPUS)
      .filter((f) => f.endsWith('.json'))
      .sort();
    for (const [i, file] of files.entries()) {
      // Several samples share an update_id; each gets its own so every one is judged on its content.
      const update = { ...JSON.parse(readFileSync(resolve(CORPUS, file), 'utf8')), update_id: 7_000_000 + i };
      const res = await tg.deliver(update);
      expect(res.status).toBe(200);
      outcomes[res.body.outcome] = (outcomes[res.body.outcome] ?? 0) + 1;
      if (res.body.outcome !== 'queued') expect(res.body.reason).toEqual(expect.any(String));
    }
    expect(outcomes).toEqual({ queued: 39, ignored: 66 });
    await drained();
    const failedJobs = (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'telegram-intake' AND state = 'failed' AND data->>'inboxId' = $1`, [inbox.id]))
      .rows[0].n;
    expect(failedJobs).toBe(0);
    const stored = (await db.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE metadata ? 'skippedMedia')::int AS skipped FROM messages WHERE inbox_id = $1`, [inbox.id]))
      .rows[0];
    // The samples reuse a few chat and message ids (the same message twice is one message: 11 distinct);
    // their file ids are not on the fake, so their media are kept as skipped, with the reason.
    expect(stored.n).toBe(11);
    expect(stored.skipped).toBeGreaterThan(0);
    const events = (await db.query(`SELECT outcome, count(*)::int AS n FROM channel_events WHERE inbox_id = $1 GROUP BY outcome ORDER BY outcome`, [inbox.id])).rows;
    expect(events).toEqual([
      { outcome: 'ignored', n: 66 },
      { outcome: 'queued', n: 39 },
    ]);
  });
});
