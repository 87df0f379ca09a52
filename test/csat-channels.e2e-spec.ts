import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { FakeMeta, metaHeaders, startFakeMeta } from './helpers/fake-meta';
import { FakeSlack, slackHeaders, startFakeSlack } from './helpers/fake-slack';
import { FakeTelegram, startFakeTelegram } from './helpers/fake-telegram';

const now = () => Math.floor(Date.now() / 1000);

/**
 * CSAT in the customer's own chat: the survey invites a reply, and a reply that is only a rating
 * ("4", "👍") is the answer — recorded like the rating page's, kept in the resolved conversation,
 * opening nothing. Telegram (updates POSTed with the secret token), Slack (events signed as
 * Slack signs), WhatsApp and Messenger (webhooks signed as Meta signs) end to end, real PostgreSQL, real sockets, the survey job on the real queue.
 */
describe('CSAT answered in the chat', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let tg: FakeTelegram;
  let slack: FakeSlack;
  let meta: FakeMeta;
  const sockets: RecordingSocket[] = [];
  let updateId = 700000;
  let messageId = 300;

  beforeAll(async () => {
    [tg, slack, meta] = await Promise.all([startFakeTelegram(), startFakeSlack(), startFakeMeta()]);
    // The fake Graph API listens on 127.0.0.1 (media downloads go through the SSRF policy).
    ({ sut, admin, db } = await bootFixture({ TELEGRAM_API_URL: tg.url, SLACK_API_URL: slack.apiUrl, META_GRAPH_URL: meta.url, OUTBOUND_ALLOW_PRIVATE: 'true' }));
    tg.appOrigin = sut.url;
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()!.close();
  });

  afterAll(async () => {
    await sut?.close();
    await Promise.all([tg?.close(), slack?.close(), meta?.close()]);
  });

  const enableCsat = async (inbox: { id: string }, scale: 'stars' | 'thumbs' = 'stars') => {
    const res = await sut.api('PUT', `/inboxes/${inbox.id}/csat`, { token: admin, body: { enabled: true, scale, delaySeconds: 0, frequencyDays: 0 } });
    expect(res.status).toBe(200);
    return inbox;
  };
  const telegramInbox = async (scale: 'stars' | 'thumbs' = 'stars') =>
    enableCsat(
      (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Telegram ${uid()}`, channel: 'telegram', botToken: tg.bot.token } })).body as { id: string },
      scale,
    );
  const say = async (chatId: number, text: string, languageCode = 'en') => {
    const from = { id: chatId, is_bot: false, first_name: 'Olena', language_code: languageCode };
    const update = { update_id: ++updateId, message: { message_id: ++messageId, from, chat: { id: chatId, first_name: 'Olena', type: 'private' }, date: now(), text } };
    expect((await tg.deliver(update)).body).toMatchObject({ ok: true });
    return `${chatId}:${update.message.message_id}`;
  };
  const stored = (inboxId: string, externalId: string) =>
    eventually(
      async () => (await db.query(`SELECT id, conversation_id, text, metadata FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inboxId, externalId])).rows[0],
      20000,
      `message ${externalId}`,
    );
  const resolve = async (conversationId: string) =>
    expect((await sut.api('PATCH', `/conversations/${conversationId}`, { token: admin, body: { status: 'resolved' } })).status).toBe(200);
  const surveySent = (chatId: number) =>
    eventually(async () => tg.sends('sendMessage').find((c) => String(c.params.chat_id) === String(chatId) && /\/csat\//.test(c.params.text)), 20000, 'the survey');
  const conversationsOf = async (inboxId: string) =>
    (await db.query(`SELECT id, status, priority, labels FROM conversations WHERE inbox_id = $1 ORDER BY created_at`, [inboxId])).rows;
  const ratingOf = async (conversationId: string) => (await db.query(`SELECT rating FROM csat_responses WHERE conversation_id = $1`, [conversationId])).rows[0]?.rating ?? null;

  it('a "4" reply is the rating: recorded, live to coordinators, kept in the timeline; the conversation stays resolved and no new one opens', async () => {
    const inbox = await telegramInbox();
    const chatId = 61001;
    const first = await stored(inbox.id, await say(chatId, 'My parcel is late'));
    const conversationId = first.conversation_id as string;
    await resolve(conversationId);

    const survey = await surveySent(chatId);
    expect(survey.params.text).toContain('How would you rate the help you received?');
    expect(survey.params.text).toContain('Or simply reply with a number from 1 to 5.');

    const coordinator = await connectSocket(sut.url, admin);
    sockets.push(coordinator);
    const reply = await stored(inbox.id, await say(chatId, ' 4 '));
    expect(reply.conversation_id).toBe(conversationId);
    expect(reply.metadata.csatReply).toMatchObject({ rating: 4, recorded: true });
    expect(await coordinator.waitFor('csat.received', (d) => d.conversationId === conversationId)).toMatchObject({ rating: 4, low: false, updated: false, inboxId: inbox.id });
    expect(await ratingOf(conversationId)).toBe(4);
    expect((await sut.api('GET', `/conversations/${conversationId}/csat`, { token: admin })).body.rating).toMatchObject({ rating: 4, scale: 'stars' });
    expect(await conversationsOf(inbox.id)).toEqual([expect.objectContaining({ id: conversationId, status: 'resolved' })]);
    const activity = (
      await db.query(`SELECT text FROM messages WHERE conversation_id = $1 AND kind = 'activity' AND metadata->'activity'->>'code' LIKE 'csat_%'`, [conversationId])
    ).rows.map((r) => r.text);
    expect(activity).toEqual(['Customer rated the conversation: 4/5']);
    // The survey message carries the answer, as after the page's.
    expect(
      (await db.query(`SELECT metadata->'csat'->>'rating' AS rating FROM messages WHERE id = (SELECT message_id FROM csat_surveys WHERE conversation_id = $1)`, [conversationId]))
        .rows[0].rating,
    ).toBe('4');
    // Nothing was sent back to the customer for their rating.
    expect(tg.sends('sendMessage').filter((c) => String(c.params.chat_id) === String(chatId))).toHaveLength(1);
  });

  it('on Telegram the answers are buttons under the survey; a press is the rating, answered so the spinner stops', async () => {
    const inbox = await telegramInbox();
    const chatId = 61004;
    const conversationId = (await stored(inbox.id, await say(chatId, 'Can I change my delivery address?'))).conversation_id as string;
    await resolve(conversationId);
    const survey = await surveySent(chatId);
    const keyboard = survey.params.reply_markup.inline_keyboard;
    expect(keyboard).toEqual([['1', '2', '3', '4', '5'].map((n) => ({ text: n, callback_data: n }))]);

    const from = { id: chatId, is_bot: false, first_name: 'Olena' };
    const surveyMessage = {
      message_id: 900,
      from: { id: tg.bot.id, is_bot: true, first_name: tg.bot.firstName },
      chat: { id: chatId, type: 'private' },
      date: now(),
      text: survey.params.text,
      reply_markup: survey.params.reply_markup,
    };
    const press = { update_id: ++updateId, callback_query: { id: `cb${uid()}`, from, message: surveyMessage, chat_instance: '1', data: '5' } };
    expect((await tg.deliver(press)).body).toMatchObject({ ok: true, outcome: 'queued' });
    const reply = await stored(inbox.id, `callback:${press.callback_query.id}`);
    expect(reply).toMatchObject({ conversation_id: conversationId, text: '🔘 5' });
    expect(reply.metadata.csatReply).toMatchObject({ rating: 5, recorded: true });
    expect(await ratingOf(conversationId)).toBe(5);
    await eventually(async () => tg.calls.find((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === press.callback_query.id), 10000, 'the callback answer');
    expect((await conversationsOf(inbox.id)).map((c) => c.status)).toEqual(['resolved']);
  });

  it('a low rating in the chat triggers the "rating ≤ 2" automation rule; text that is more than a rating opens a new conversation as before', async () => {
    const inbox = await telegramInbox();
    const rule = await sut.api('POST', '/automation-rules', {
      token: admin,
      body: {
        name: `Unhappy customers ${uid()}`,
        event: 'csat.received',
        conditions: [
          { field: 'inbox', operator: 'equals', value: inbox.id },
          { field: 'rating', operator: 'at_most', value: 2 },
        ],
        actions: [
          { type: 'set_priority', priority: 2 },
          { type: 'add_label', label: 'unhappy' },
        ],
      },
    });
    expect(rule.status).toBe(201);
    const chatId = 61002;
    const conversationId = (await stored(inbox.id, await say(chatId, 'Where is my refund?'))).conversation_id as string;
    await resolve(conversationId);
    await surveySent(chatId);

    // 4 first: above the rule's bound, nothing happens.
    await stored(inbox.id, await say(chatId, '⭐⭐⭐⭐'));
    expect(await ratingOf(conversationId)).toBe(4);
    expect(await conversationsOf(inbox.id)).toEqual([{ id: conversationId, status: 'resolved', priority: 1, labels: [] }]);

    // Changed within 24 h to 👎 (1): the rule raises the priority and labels it; still resolved.
    const coordinator = await connectSocket(sut.url, admin);
    sockets.push(coordinator);
    await stored(inbox.id, await say(chatId, '👎'));
    expect(await coordinator.waitFor('csat.received', (d) => d.conversationId === conversationId && d.updated)).toMatchObject({ rating: 1, low: true });
    expect(await ratingOf(conversationId)).toBe(1);
    expect(await conversationsOf(inbox.id)).toEqual([{ id: conversationId, status: 'resolved', priority: 2, labels: ['unhappy'] }]);
    const codes = (
      await db.query(`SELECT metadata->'activity'->>'code' AS code FROM messages WHERE conversation_id = $1 AND kind = 'activity' ORDER BY created_at, id`, [conversationId])
    ).rows.map((r) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['csat_received', 'csat_changed', 'rule_set_priority', 'rule_add_label']));

    // Talking, not rating: a new conversation, as any message after resolution.
    const talk = await stored(inbox.id, await say(chatId, '4 stars is too low, my order 12345'));
    expect(talk.conversation_id).not.toBe(conversationId);
    expect(talk.metadata.csatReply).toBeUndefined();
    // While that one is open, a "5" belongs to it and rates nothing.
    const five = await stored(inbox.id, await say(chatId, '5'));
    expect(five.conversation_id).toBe(talk.conversation_id);
    expect(five.metadata.csatReply).toBeUndefined();
    expect(await ratingOf(conversationId)).toBe(1);
    expect((await conversationsOf(inbox.id)).map((c) => c.status)).toEqual(['resolved', 'open']);
  });

  it("after the survey closed a rating reply changes nothing and reopens nothing; the survey speaks the customer's language and scale", async () => {
    const inbox = await telegramInbox('thumbs');
    const chatId = 61003;
    const conversationId = (await stored(inbox.id, await say(chatId, 'Доброго дня, де моя посилка?', 'uk'))).conversation_id as string;
    await resolve(conversationId);
    const survey = await surveySent(chatId);
    expect(survey.params.text).toContain('Як би ви оцінили отриману допомогу?');
    expect(survey.params.text).toContain('Або просто надішліть у відповідь 👍 чи 👎.');

    await db.query(`UPDATE csat_surveys SET expires_at = now() - interval '1 minute' WHERE conversation_id = $1`, [conversationId]);
    const late = await stored(inbox.id, await say(chatId, '👍'));
    expect(late.conversation_id).toBe(conversationId);
    expect(late.metadata.csatReply).toMatchObject({ rating: 5, recorded: false });
    expect(await ratingOf(conversationId)).toBeNull();
    expect(await conversationsOf(inbox.id)).toEqual([expect.objectContaining({ id: conversationId, status: 'resolved' })]);
    // A "3" is no answer on the thumbs scale: an ordinary message, in a new conversation.
    const three = await stored(inbox.id, await say(chatId, '3', 'uk'));
    expect(three.conversation_id).not.toBe(conversationId);
    expect(three.metadata.csatReply).toBeUndefined();
  });

  it('is channel-neutral and idempotent: the same "5" delivered twice at once through the API channel is one message, one rating, one activity line', async () => {
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Api ${uid()}`, channel: 'api' } })).body as { id: string; token: string };
    await enableCsat(inbox);
    const identifier = uid();
    const incoming = (externalId: string, text: string) =>
      sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId, contact: { identifier }, text } });
    const conversationId = (await incoming(uid(), 'Is my invoice paid?')).body.conversationId as string;
    await resolve(conversationId);
    await eventually(async () => (await db.query(`SELECT 1 FROM csat_surveys WHERE conversation_id = $1 AND status = 'sent'`, [conversationId])).rows[0], 15000, 'the survey');

    const externalId = uid();
    const answers = await Promise.all([incoming(externalId, '5'), incoming(externalId, '5')]);
    expect(answers.map((a) => a.body.conversationId)).toEqual([conversationId, conversationId]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inbox.id, externalId])).rows[0].n).toBe(1);
    expect(await ratingOf(conversationId)).toBe(5);
    expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND metadata->'activity'->>'code' LIKE 'csat_%'`, [conversationId])).rows[0].n).toBe(
      1,
    );
    expect(await conversationsOf(inbox.id)).toEqual([expect.objectContaining({ id: conversationId, status: 'resolved' })]);
  });

  describe('on Slack', () => {
    const SECRET = '8f742231b10e8888abcd99ccdd85a5f1';
    const SHARED = 'C0CSAT0001';
    let tsSeq = 0;
    // Slack's ts is the post time (seconds.sequence).
    const nextTs = () => {
      tsSeq = Math.max(Date.now() * 1000, tsSeq + 1);
      return `${Math.floor(tsSeq / 1e6)}.${String(tsSeq % 1e6).padStart(6, '0')}`;
    };
    const post = (inboxId: string, f: Record<string, unknown>) => {
      const ts = nextTs();
      const event = { type: 'message', channel: SHARED, channel_type: 'channel', user: 'U0RATER', team: 'T0CUSTOMERS', ts, event_ts: ts, ...f };
      const raw = JSON.stringify({
        token: 'unused',
        team_id: slack.teamId,
        api_app_id: 'A0442TUPHGR',
        type: 'event_callback',
        event_id: `Ev${uid().toUpperCase()}`,
        event_time: now(),
        event,
        is_ext_shared_channel: true,
      });
      return sut.api('POST', `/channels/slack/${inboxId}/events`, { raw, headers: slackHeaders(SECRET, raw) }).then((res) => {
        expect(res.body).toMatchObject({ ok: true, outcome: 'queued' });
        return `${SHARED}:${ts}`;
      });
    };

    it('a "2/5" answered in the survey\'s thread is the rating; the conversation stays resolved', async () => {
      slack.addUser('U0RATER', { name: 'fox', realName: 'Fox Mulder', email: 'fox@customer.example' });
      const created = await sut.api('POST', '/inboxes', {
        token: admin,
        body: { name: `Slack ${uid()}`, channel: 'slack', botToken: slack.botToken, signingSecret: SECRET, channels: [SHARED] },
      });
      expect(created.status).toBe(201);
      const inbox = await enableCsat(created.body);
      const parent = await post(inbox.id, { text: 'The export button does nothing' });
      const conversationId = (await stored(inbox.id, parent)).conversation_id as string;
      await resolve(conversationId);
      const parentTs = parent.split(':')[1];
      const survey = await eventually(async () => slack.posted().find((c) => c.args.channel === SHARED && /\/csat\//.test(c.args.text)), 20000, 'the Slack survey');
      expect(survey.args).toMatchObject({ thread_ts: parentTs });
      expect(survey.args.text).toContain('Or simply reply with a number from 1 to 5.');

      const reply = await stored(inbox.id, await post(inbox.id, { text: '2/5', thread_ts: parentTs }));
      expect(reply.conversation_id).toBe(conversationId);
      expect(reply.metadata.csatReply).toMatchObject({ rating: 2, recorded: true });
      expect(await ratingOf(conversationId)).toBe(2);
      expect(await conversationsOf(inbox.id)).toEqual([expect.objectContaining({ id: conversationId, status: 'resolved' })]);
    });
  });

  describe('on WhatsApp', () => {
    const APP_SECRET = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const inboundOf = (from: string, message: Record<string, unknown>) => ({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: meta.whatsapp.businessAccountId,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550104422', phone_number_id: meta.whatsapp.phoneNumberId },
                contacts: [{ profile: { name: 'Maria Souza' }, wa_id: from }],
                messages: [{ from, id: `wamid.IN${uid()}`, timestamp: String(now()), ...message }],
              },
            },
          ],
        },
      ],
    });
    const deliver = async (inbox: { settings: Record<string, any> }, body: ReturnType<typeof inboundOf>) => {
      const raw = Buffer.from(JSON.stringify(body));
      const res = await sut.api('POST', new URL(inbox.settings.callbackUrl).pathname.replace(/^\/api\/v1/, ''), { raw, headers: metaHeaders(APP_SECRET, raw) });
      expect(res.status).toBe(200);
      return body.entry[0].changes[0].value.messages[0].id as string;
    };

    it("offers 1-5 as a list in the customer's language and 👍/👎 as reply buttons; a tap is the rating", async () => {
      for (const [scale, from, language] of [
        ['stars', '5511900000001', 'es'],
        ['thumbs', '5511900000002', 'en'],
      ] as const) {
        const created = await sut.api('POST', '/inboxes', {
          token: admin,
          body: {
            name: `WhatsApp ${uid()}`,
            channel: 'whatsapp',
            appSecret: APP_SECRET,
            phoneNumberId: meta.whatsapp.phoneNumberId,
            businessAccountId: meta.whatsapp.businessAccountId,
            accessToken: meta.whatsapp.accessToken,
          },
        });
        expect(created.status).toBe(201);
        const inbox = await enableCsat(created.body, scale);
        const conversationId = (await stored(inbox.id, await deliver(created.body, inboundOf(from, { type: 'text', text: { body: 'Hola, mi pedido no llegó' } }))))
          .conversation_id as string;
        await db.query(`UPDATE conversations SET language = $2 WHERE id = $1`, [conversationId, language]);
        await resolve(conversationId);
        const survey = await eventually(
          async () => meta.sends(`${meta.whatsapp.phoneNumberId}/messages`).find((c) => c.body?.to === from && c.body?.type === 'interactive'),
          20000,
          'the WhatsApp survey',
        );
        const interactive = survey.body.interactive;
        if (scale === 'stars') {
          expect(interactive).toMatchObject({
            type: 'list',
            action: { button: 'Valorar', sections: [{ rows: ['1', '2', '3', '4', '5'].map((n) => ({ id: `csat:${n}`, title: n })) }] },
          });
          expect(interactive.body.text).toContain('O simplemente responde con un número del 1 al 5.');
        } else {
          expect(interactive).toMatchObject({ type: 'button', action: { buttons: ['👍', '👎'].map((t) => ({ type: 'reply', reply: { id: `csat:${t}`, title: t } })) } });
        }
        const tap =
          scale === 'stars'
            ? { type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'csat:4', title: '4' } } }
            : { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'csat:👎', title: '👎' } } };
        const reply = await stored(inbox.id, await deliver(created.body, inboundOf(from, tap)));
        expect(reply.conversation_id).toBe(conversationId);
        expect(await ratingOf(conversationId)).toBe(scale === 'stars' ? 4 : 1);
        expect(await conversationsOf(inbox.id)).toEqual([expect.objectContaining({ id: conversationId, status: 'resolved' })]);
      }
    });

    it('Messenger: the answers as quick replies; a tap is the rating', async () => {
      const created = await sut.api('POST', '/inboxes', {
        token: admin,
        body: { name: `Messenger ${uid()}`, channel: 'messenger', appSecret: APP_SECRET, pageId: meta.page.id, pageAccessToken: meta.page.token },
      });
      expect(created.status).toBe(201);
      const inbox = await enableCsat(created.body);
      const psid = `3${Date.now()}`;
      const messengerEvent = (message: Record<string, unknown>) => ({
        object: 'page',
        entry: [{ id: meta.page.id, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: meta.page.id }, timestamp: Date.now(), message }] }],
      });
      const send = async (message: Record<string, unknown>) => {
        const raw = Buffer.from(JSON.stringify(messengerEvent(message)));
        const res = await sut.api('POST', new URL(created.body.settings.callbackUrl).pathname.replace(/^\/api\/v1/, ''), { raw, headers: metaHeaders(APP_SECRET, raw) });
        expect(res.status).toBe(200);
        return message.mid as string;
      };
      const conversationId = (await stored(inbox.id, await send({ mid: `m_in_${uid()}`, text: 'Is the shop open on Sunday?' }))).conversation_id as string;
      await resolve(conversationId);
      const survey = await eventually(
        async () => meta.sends('me/messages').find((c) => c.body.recipient?.id === psid && /\/csat\//.test(c.body.message?.text ?? '')),
        20000,
        'the Messenger survey',
      );
      expect(survey.body.message.quick_replies).toEqual(['1', '2', '3', '4', '5'].map((n) => ({ content_type: 'text', title: n, payload: `csat:${n}` })));
      const reply = await stored(inbox.id, await send({ mid: `m_in_${uid()}`, text: '3', quick_reply: { payload: 'csat:3' } }));
      expect(reply.conversation_id).toBe(conversationId);
      expect(await ratingOf(conversationId)).toBe(3);
      expect(await conversationsOf(inbox.id)).toEqual([expect.objectContaining({ id: conversationId, status: 'resolved' })]);
    });
  });
});
