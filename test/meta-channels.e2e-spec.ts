import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { FakeMeta, GRAPH_ERRORS, metaHeaders, startFakeMeta } from './helpers/fake-meta';

const CORPUS = resolve(__dirname, '../../shared/corpus/social');
const APP_SECRET = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const now = () => Math.floor(Date.now() / 1000);

/** WhatsApp, Messenger and Instagram end to end: real HTTP signed as Meta signs, a fake Graph API, real sockets and PostgreSQL. */
describe('Meta channels (WhatsApp, Messenger, Instagram)', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let meta: FakeMeta;
  const sockets: RecordingSocket[] = [];
  let seq = 0;

  beforeAll(async () => {
    meta = await startFakeMeta();
    ({ sut, admin, db } = await bootFixture({ META_GRAPH_URL: meta.url, OUTBOUND_ALLOW_PRIVATE: 'true' }));
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()!.close();
  });

  afterAll(async () => {
    await sut?.close();
    await meta?.close();
  });

  type Inbox = { id: string; settings: Record<string, any>; verifyToken: string };
  const create = async (channel: 'whatsapp' | 'messenger' | 'instagram', extra: Record<string, unknown> = {}): Promise<Inbox> => {
    const fields =
      channel === 'whatsapp'
        ? { phoneNumberId: meta.whatsapp.phoneNumberId, businessAccountId: meta.whatsapp.businessAccountId, accessToken: meta.whatsapp.accessToken }
        : channel === 'messenger'
          ? { pageId: meta.page.id, pageAccessToken: meta.page.token }
          : { instagramAccountId: meta.page.instagramId, pageAccessToken: meta.page.token };
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `${channel} ${uid()}`, channel, appSecret: APP_SECRET, ...fields, ...extra } });
    if (res.status !== 201) throw new Error(`inbox: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const webhookPath = (inbox: Inbox) => new URL(inbox.settings.callbackUrl).pathname.replace(/^\/api\/v1/, '');
  const deliver = (inbox: Inbox, body: object | string | Buffer, secret = APP_SECRET) => {
    const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    return sut.api('POST', webhookPath(inbox), { raw, headers: metaHeaders(secret, raw) });
  };
  const counts = async () =>
    (
      await db.query(
        `SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM meta_events)::int AS events, (SELECT count(*) FROM conversations)::int AS conversations`,
      )
    ).rows[0];
  const messageBy = async (inboxId: string, externalId: string) =>
    eventually(
      async () =>
        (
          await db.query(`SELECT id, conversation_id, text, metadata, status, error, direction, author_type FROM messages WHERE inbox_id = $1 AND external_id = $2`, [
            inboxId,
            externalId,
          ])
        ).rows[0],
      20000,
      `message ${externalId}`,
    );
  const messageRow = async (id: string) => (await db.query(`SELECT status, error, external_id, attempts FROM messages WHERE id = $1`, [id])).rows[0];
  const drained = (inboxId: string) =>
    eventually(
      async () => (await db.query(`SELECT 1 FROM pgboss.job WHERE name = 'meta-intake' AND state <> 'completed' AND data->>'inboxId' = $1`, [inboxId])).rows.length === 0,
      30000,
      'the Meta events queue to drain',
    );

  const waText = (from: string, text: string, f: { id?: string; ts?: number; name?: string; extra?: Record<string, unknown> } = {}) => ({
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
              contacts: [{ profile: { name: f.name ?? 'Maria Souza' }, wa_id: from }],
              messages: [{ from, id: f.id ?? `wamid.IN${++seq}${uid()}`, timestamp: String(f.ts ?? now()), type: 'text', text: { body: text }, ...(f.extra ?? {}) }],
            },
          },
        ],
      },
    ],
  });
  const waStatus = (wamid: string, status: string, recipient: string, errors?: unknown[]) => ({
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
              statuses: [{ id: wamid, status, timestamp: String(now()), recipient_id: recipient, ...(errors ? { errors } : {}) }],
            },
          },
        ],
      },
    ],
  });
  const messaging = (object: 'page' | 'instagram', accountId: string, event: Record<string, unknown>) => ({
    object,
    entry: [{ id: accountId, time: Date.now(), messaging: [event] }],
  });

  describe('adding inboxes', () => {
    it('checks the WhatsApp number with the token, keeps secrets encrypted, shows the callback URL and the verify token once', async () => {
      const inbox = await create('whatsapp');
      expect(inbox.settings).toEqual({
        phoneNumberId: meta.whatsapp.phoneNumberId,
        businessAccountId: meta.whatsapp.businessAccountId,
        displayPhoneNumber: meta.whatsapp.displayPhoneNumber,
        verifiedName: 'Acme Support',
        callbackUrl: expect.stringMatching(/^http:\/\/localhost:\d+\/api\/v1\/channels\/whatsapp\/[0-9a-f-]{36}\/webhook$/),
      });
      expect(inbox.verifyToken).toMatch(/^vt_[\w-]{20,}$/);
      expect(JSON.stringify(inbox)).not.toContain(meta.whatsapp.accessToken);
      expect(JSON.stringify(inbox)).not.toContain(APP_SECRET);
      const { secrets } = (await db.query(`SELECT secrets FROM inboxes WHERE id = $1`, [inbox.id])).rows[0];
      expect(secrets).toMatch(/^v1\./);
      for (const s of [meta.whatsapp.accessToken, APP_SECRET, inbox.verifyToken]) expect(secrets).not.toContain(s);
      const again = await sut.api('GET', `/inboxes/${inbox.id}`, { token: admin });
      expect(again.body.verifyToken).toBeUndefined();
      expect(again.body.settings.callbackUrl).toBe(inbox.settings.callbackUrl);
      expect(meta.calls.some((c) => c.method === 'GET' && c.path === meta.whatsapp.phoneNumberId)).toBe(true);
    });

    it.each([
      ['whatsapp', { phoneNumberId: undefined }, 'phoneNumberId'],
      ['whatsapp', { businessAccountId: 'waba' }, 'businessAccountId'],
      ['whatsapp', { appSecret: 'short' }, 'appSecret'],
      ['whatsapp', { accessToken: 'EAAGwrongwrongwrongwrongwrong' }, 'accessToken'],
      ['whatsapp', { phoneNumberId: '999999999999' }, 'phoneNumberId'],
      ['whatsapp', { verifyToken: 'a b' }, 'verifyToken'],
      ['messenger', { pageId: '555555555555' }, 'pageAccessToken'],
      ['messenger', { pageAccessToken: undefined }, 'pageAccessToken'],
      ['instagram', { instagramAccountId: '17841400000000000' }, 'instagramAccountId'],
    ] as const)('%s with %j: 400 naming %s', async (channel, patch, field) => {
      const base =
        channel === 'whatsapp'
          ? { phoneNumberId: meta.whatsapp.phoneNumberId, businessAccountId: meta.whatsapp.businessAccountId, accessToken: meta.whatsapp.accessToken }
          : channel === 'messenger'
            ? { pageId: meta.page.id, pageAccessToken: meta.page.token }
            : { instagramAccountId: meta.page.instagramId, pageAccessToken: meta.page.token };
      const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Bad', channel, appSecret: APP_SECRET, ...base, ...patch } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.details.fields)).toEqual([field]);
    });

    it('tells a network failure (502) from a refused token, at creation and in the connection test', async () => {
      meta.script(meta.whatsapp.phoneNumberId, [{ drop: true }]);
      const down = await sut.api('POST', '/inboxes', {
        token: admin,
        body: {
          name: 'WA',
          channel: 'whatsapp',
          appSecret: APP_SECRET,
          phoneNumberId: meta.whatsapp.phoneNumberId,
          businessAccountId: meta.whatsapp.businessAccountId,
          accessToken: meta.whatsapp.accessToken,
        },
      });
      expect(down.status).toBe(502);
      expect(down.body.code).toBe('UPSTREAM_FAILED');

      const inbox = await create('whatsapp');
      expect((await sut.api('POST', `/inboxes/${inbox.id}/meta/test-connection`, { token: admin })).body).toMatchObject({ ok: true, account: { id: meta.whatsapp.phoneNumberId } });
      meta.script(meta.whatsapp.phoneNumberId, [{ drop: true }]);
      expect((await sut.api('POST', `/inboxes/${inbox.id}/meta/test-connection`, { token: admin })).body).toMatchObject({ ok: false, problem: 'network', code: 'UPSTREAM_FAILED' });
      meta.script(meta.whatsapp.phoneNumberId, [GRAPH_ERRORS.invalidToken]);
      expect((await sut.api('POST', `/inboxes/${inbox.id}/meta/test-connection`, { token: admin })).body).toMatchObject({
        ok: false,
        problem: 'credentials',
        field: 'accessToken',
        message: expect.stringMatching(/#190/),
      });
    });
  });

  describe('the webhook endpoint', () => {
    let inbox: Inbox;
    beforeAll(async () => {
      inbox = await create('whatsapp');
    });

    it("answers Meta's verification with the challenge, and 403 for a wrong verify token", async () => {
      const ok = await fetch(`${sut.url}/api/v1${webhookPath(inbox)}?hub.mode=subscribe&hub.verify_token=${inbox.verifyToken}&hub.challenge=1158201444`);
      expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
      const wrong = await fetch(`${sut.url}/api/v1${webhookPath(inbox)}?hub.mode=subscribe&hub.verify_token=nope-nope-nope&hub.challenge=1158201444`);
      expect(wrong.status).toBe(403);
      expect(await wrong.text()).not.toContain('1158201444');
    });

    it('refuses unsigned, wrongly signed and tampered bodies with 401 and stores nothing', async () => {
      const body = JSON.stringify(waText('5511999990001', 'forged'));
      const before = await counts();
      const attempts = [
        await sut.api('POST', webhookPath(inbox), { raw: body }),
        await deliver(inbox, body, 'another-app-secret-00000000000000'),
        await sut.api('POST', webhookPath(inbox), { raw: body.replace('forged', 'f0rged'), headers: metaHeaders(APP_SECRET, body) }),
        await sut.api('POST', webhookPath(inbox), { raw: body, headers: { ...metaHeaders(APP_SECRET, body), 'x-hub-signature-256': 'sha1=' + '0'.repeat(40) } }),
      ];
      expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 401]);
      expect(attempts.map((a) => a.body.message)).toEqual([
        'Meta signature rejected: X-Hub-Signature-256 header missing',
        'Meta signature rejected: signature mismatch',
        'Meta signature rejected: signature mismatch',
        'Meta signature rejected: X-Hub-Signature-256 must start with sha256=',
      ]);
      expect(await counts()).toEqual(before);
      expect((await sut.api('POST', `/channels/whatsapp/00000000-0000-4000-8000-000000000000/webhook`, { raw: body, headers: metaHeaders(APP_SECRET, body) })).status).toBe(404);
    });

    it('keeps a signed body it cannot use with the reason, answered 200 so Meta does not redeliver it for hours', async () => {
      const res = await deliver(inbox, { object: 'page', entry: [] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, outcome: 'rejected', items: 0, reason: 'object "page" is not whatsapp_business_account' });
      const listed = await sut.api('GET', `/inboxes/${inbox.id}/meta/events?outcome=rejected`, { token: admin });
      expect(listed.body).toEqual([
        expect.objectContaining({ outcome: 'rejected', reason: 'object "page" is not whatsapp_business_account', payload: { object: 'page', entry: [] } }),
      ]);
    });

    it('never duplicates a redelivered body, nor the same wamid in another body', async () => {
      const body = JSON.stringify(waText('5511999990002', 'Delivered more than once', { id: 'wamid.REDELIVERED1' }));
      const raced = await Promise.all([1, 2, 3].map(() => deliver(inbox, body)));
      expect(raced.map((r) => r.body.outcome).sort()).toEqual(['duplicate', 'duplicate', 'queued']);
      const rewrapped = await deliver(inbox, { ...JSON.parse(body), entry: [{ ...JSON.parse(body).entry[0], id: 'another-entry-id' }] });
      expect(rewrapped.body.outcome).toBe('queued');
      await drained(inbox.id);
      expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id = 'wamid.REDELIVERED1'`, [inbox.id])).rows[0].n).toBe(1);
    });
  });

  describe('a WhatsApp customer conversation', () => {
    let inbox: Inbox;
    let agent: { id: string; token: string };
    const customer = '5511987654321';

    beforeAll(async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `WA ${uid()}` } })).body;
      inbox = await create('whatsapp', { teamId: team.id });
      const email = `agent-${uid()}@example.com`;
      const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ana', password: 'agent-password', role: 'agent', capacity: { whatsapp: 5 } } })).body;
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: user.id } });
      await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
      agent = { id: user.id, token: await sut.login(email, 'agent-password') };
    });

    it('routes a text to an online agent live; the reply reaches Graph with the right "to"; delivered then read show on it', async () => {
      const socket = await connectSocket(sut.url, agent.token);
      sockets.push(socket);
      await eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [agent.id])).rows[0]?.presence === 'online');
      const ack = await deliver(inbox, waText(customer, 'Olá, my order never arrived', { id: 'wamid.ORDER1' }));
      expect(ack.body).toEqual({ ok: true, outcome: 'queued', items: 1 });
      const assigned = await socket.waitFor('conversation.assigned', (d) => d.agentId === agent.id);
      const first = await socket.waitFor('message.created', (d) => d.conversationId === assigned.conversationId && d.kind === 'message');
      expect(first).toMatchObject({ direction: 'inbound', text: 'Olá, my order never arrived', externalId: 'wamid.ORDER1' });
      const conv = (await sut.api('GET', `/conversations/${assigned.conversationId}`, { token: agent.token })).body;
      expect(conv).toMatchObject({ channel: 'whatsapp', contactName: 'Maria Souza' });
      const window = (await sut.api('GET', `/conversations/${assigned.conversationId}/service-window`, { token: agent.token })).body;
      expect(window).toMatchObject({ channel: 'whatsapp', mode: 'response', open: true, until: expect.any(String) });

      const reply = await sut.api('POST', `/conversations/${assigned.conversationId}/messages`, { token: agent.token, body: { text: 'Sorry! Checking now.' } });
      expect(reply.status).toBe(201);
      const sent = await socket.waitFor('message.updated', (d) => d.id === reply.body.id && d.status === 'sent');
      const call = meta.sends(`${meta.whatsapp.phoneNumberId}/messages`).find((c) => c.body.text?.body === 'Sorry! Checking now.')!;
      expect(call.token).toBe(meta.whatsapp.accessToken);
      expect(call.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: customer,
        type: 'text',
        text: { preview_url: false, body: 'Sorry! Checking now.' },
      });
      expect(sent.externalId).toMatch(/^wamid\./);

      await deliver(inbox, waStatus(sent.externalId, 'delivered', customer));
      await socket.waitFor('message.updated', (d) => d.id === reply.body.id && d.status === 'delivered');
      await deliver(inbox, waStatus(sent.externalId, 'read', customer));
      await socket.waitFor('message.updated', (d) => d.id === reply.body.id && d.status === 'read');
      // A late "delivered" never turns "read" back.
      await deliver(inbox, { ...waStatus(sent.externalId, 'delivered', customer), entry: [{ ...waStatus(sent.externalId, 'delivered', customer).entry[0], id: 'late' }] });
      await drained(inbox.id);
      expect((await messageRow(reply.body.id)).status).toBe('read');

      // The customer reacts to the reply: shown on it, not as a new message.
      await deliver(inbox, waText(customer, '', { extra: { type: 'reaction', text: undefined, reaction: { message_id: sent.externalId, emoji: '👍' } } }));
      await socket.waitFor('message.updated', (d) => d.id === reply.body.id && d.metadata?.reactions?.[customer]?.emoji === '👍');
    });

    it('stores an image as an attachment the agent can open, and links a reply to the message it answers', async () => {
      meta.addMedia('8844001', { mimeType: 'image/jpeg', data: Buffer.from('fake-jpeg-bytes') });
      await deliver(
        inbox,
        waText(customer, '', {
          id: 'wamid.IMG1',
          extra: { type: 'image', text: undefined, image: { mime_type: 'image/jpeg', sha256: 'x', id: '8844001', caption: 'the parcel' } },
        }),
      );
      const row = await messageBy(inbox.id, 'wamid.IMG1');
      const summary = (await sut.api('GET', `/conversations/${row.conversation_id}/messages`, { token: agent.token })).body.items.find((m: any) => m.id === row.id);
      expect(summary).toMatchObject({ text: 'the parcel', attachments: [expect.objectContaining({ fileName: 'image-1.jpg', contentType: 'image/jpeg', size: 15 })] });
      const file = await fetch(`${sut.url}${summary.attachments[0].url}`, { headers: { authorization: `Bearer ${agent.token}` } });
      expect(await file.text()).toBe('fake-jpeg-bytes');

      await deliver(inbox, waText(customer, 'this one', { id: 'wamid.REPLY1', extra: { context: { from: '15550104422', id: 'wamid.IMG1' } } }));
      expect((await messageBy(inbox.id, 'wamid.REPLY1')).metadata.replyTo).toEqual({ externalId: 'wamid.IMG1', messageId: row.id });
    });

    it("refuses free text outside the 24-hour window before calling Graph, and fails at once on 131047 with Meta's text", async () => {
      const old = '5511900000077';
      await deliver(inbox, waText(old, 'hello from yesterday', { id: 'wamid.OLD1', ts: now() - 25 * 3600 }));
      const row = await messageBy(inbox.id, 'wamid.OLD1');
      const before = meta.sends(`${meta.whatsapp.phoneNumberId}/messages`).length;
      const reply = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'Still there?' } });
      const failed = await eventually(async () => ((await messageRow(reply.body.id)).status === 'failed' ? messageRow(reply.body.id) : null));
      expect(failed.error).toMatch(/^META_WINDOW_CLOSED: the customer last wrote more than 24 hours ago/);
      expect(meta.sends(`${meta.whatsapp.phoneNumberId}/messages`).length).toBe(before);
      expect((await sut.api('GET', `/conversations/${row.conversation_id}/service-window`, { token: admin })).body).toMatchObject({ mode: 'closed', open: false });

      // Meta's own verdict wins too (clock skew, a number that changed hands).
      await deliver(inbox, waText('5511900000078', 'hi', { id: 'wamid.FRESH1' }));
      const fresh = await messageBy(inbox.id, 'wamid.FRESH1');
      meta.script(`${meta.whatsapp.phoneNumberId}/messages`, [GRAPH_ERRORS.reengagement]);
      const refused = await sut.api('POST', `/conversations/${fresh.conversation_id}/messages`, { token: admin, body: { text: 'Refused by Meta' } });
      const r = await eventually(async () => ((await messageRow(refused.body.id)).status === 'failed' ? messageRow(refused.body.id) : null));
      expect(r).toMatchObject({
        attempts: 1,
        error: 'META_WINDOW_CLOSED: (#131047) Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      });
    });

    it('retries a rate-limited reply (429) and ends sent', async () => {
      await deliver(inbox, waText('5511900000079', 'rate me', { id: 'wamid.RATE1' }));
      const row = await messageBy(inbox.id, 'wamid.RATE1');
      meta.script(`${meta.whatsapp.phoneNumberId}/messages`, [GRAPH_ERRORS.rateLimited]);
      const reply = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'After the pause' } });
      await eventually(async () => (await messageRow(reply.body.id)).status === 'sent', 30000, 'the reply to be sent');
      expect(await messageRow(reply.body.id)).toMatchObject({ attempts: 2, error: null });
    });

    it('marks a failed status with its error code, and shows business-app echoes as outbound', async () => {
      await deliver(inbox, waText('5511900000080', 'echo test', { id: 'wamid.ECHOBASE' }));
      const base = await messageBy(inbox.id, 'wamid.ECHOBASE');
      const reply = await sut.api('POST', `/conversations/${base.conversation_id}/messages`, { token: admin, body: { text: 'Will fail later' } });
      const sentRow = await eventually(async () => ((await messageRow(reply.body.id)).status === 'sent' ? messageRow(reply.body.id) : null));
      await deliver(
        inbox,
        waStatus(sentRow.external_id, 'failed', '5511900000080', [
          { code: 131026, title: 'Message undeliverable', error_data: { details: 'Receiver is incapable of receiving this message' } },
        ]),
      );
      await eventually(async () => (await messageRow(reply.body.id)).status === 'failed');
      expect((await messageRow(reply.body.id)).error).toBe('131026 Message undeliverable: Receiver is incapable of receiving this message');

      const echo = {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: meta.whatsapp.businessAccountId,
            changes: [
              {
                field: 'smb_message_echoes',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { phone_number_id: meta.whatsapp.phoneNumberId },
                  message_echoes: [{ from: '15550104422', to: '5511900000080', id: 'wamid.ECHO1', timestamp: String(now()), type: 'text', text: { body: 'Sent from the phone' } }],
                },
              },
            ],
          },
        ],
      };
      await deliver(inbox, echo);
      expect(await messageBy(inbox.id, 'wamid.ECHO1')).toMatchObject({
        direction: 'outbound',
        author_type: 'system',
        status: 'sent',
        text: 'Sent from the phone',
        conversation_id: base.conversation_id,
        metadata: expect.objectContaining({ sentOutsideInbox: true }),
      });
    });
  });

  describe('Messenger and Instagram', () => {
    it('Messenger: names the customer from the profile, answers with RESPONSE, shows echoes as outbound, applies delivery and read receipts', async () => {
      const inbox = await create('messenger');
      const psid = `2${Date.now()}`;
      meta.addProfile(psid, { first_name: 'Jo', last_name: 'Park', name: 'Jo Park' });
      await deliver(
        inbox,
        messaging('page', meta.page.id, {
          sender: { id: psid },
          recipient: { id: meta.page.id },
          timestamp: Date.now(),
          message: { mid: `m_in_${psid}`, text: 'Is the shop open on Sunday?' },
        }),
      );
      const row = await messageBy(inbox.id, `m_in_${psid}`);
      expect((await sut.api('GET', `/conversations/${row.conversation_id}`, { token: admin })).body).toMatchObject({ channel: 'messenger', contactName: 'Jo Park' });

      const reply = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'Yes, 10 to 4.' } });
      const sentRow = await eventually(async () => ((await messageRow(reply.body.id)).status === 'sent' ? messageRow(reply.body.id) : null));
      const call = meta.sends('me/messages').find((c) => c.body.message?.text === 'Yes, 10 to 4.')!;
      expect(call).toMatchObject({ token: meta.page.token, body: { recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'Yes, 10 to 4.' } } });
      expect(sentRow.external_id).toMatch(/^m_/);

      await deliver(
        inbox,
        messaging('page', meta.page.id, { sender: { id: psid }, recipient: { id: meta.page.id }, delivery: { mids: [sentRow.external_id], watermark: Date.now(), seq: 1 } }),
      );
      await eventually(async () => (await messageRow(reply.body.id)).status === 'delivered');
      await deliver(inbox, messaging('page', meta.page.id, { sender: { id: psid }, recipient: { id: meta.page.id }, timestamp: Date.now(), read: { watermark: Date.now() } }));
      await eventually(async () => (await messageRow(reply.body.id)).status === 'read');

      await deliver(
        inbox,
        messaging('page', meta.page.id, {
          sender: { id: meta.page.id },
          recipient: { id: psid },
          timestamp: Date.now(),
          message: { is_echo: true, app_id: 263902037430900, mid: `m_echo_${psid}`, text: 'Answered from the Page inbox' },
        }),
      );
      expect(await messageBy(inbox.id, `m_echo_${psid}`)).toMatchObject({
        direction: 'outbound',
        author_type: 'system',
        status: 'sent',
        conversation_id: row.conversation_id,
        metadata: expect.objectContaining({ sentOutsideInbox: true }),
      });
      const customerMessages = (await db.query(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND direction = 'inbound'`, [row.conversation_id])).rows[0].n;
      expect(customerMessages).toBe(1);
    });

    it('Messenger: answers with the HUMAN_AGENT tag after 24 hours, refuses after 7 days', async () => {
      const inbox = await create('messenger');
      const [late, gone] = [`3${Date.now()}`, `4${Date.now()}`];
      await deliver(
        inbox,
        messaging('page', meta.page.id, {
          sender: { id: late },
          recipient: { id: meta.page.id },
          timestamp: Date.now() - 30 * 3600_000,
          message: { mid: `m_late_${late}`, text: 'late' },
        }),
      );
      await deliver(
        inbox,
        messaging('page', meta.page.id, {
          sender: { id: gone },
          recipient: { id: meta.page.id },
          timestamp: Date.now() - 8 * 24 * 3600_000,
          message: { mid: `m_gone_${gone}`, text: 'gone' },
        }),
      );
      const [a, b] = [await messageBy(inbox.id, `m_late_${late}`), await messageBy(inbox.id, `m_gone_${gone}`)];
      const ra = await sut.api('POST', `/conversations/${a.conversation_id}/messages`, { token: admin, body: { text: 'Human here (tagged)' } });
      const rb = await sut.api('POST', `/conversations/${b.conversation_id}/messages`, { token: admin, body: { text: 'Too late' } });
      await eventually(async () => (await messageRow(ra.body.id)).status === 'sent');
      expect(meta.sends('me/messages').find((c) => c.body.message?.text === 'Human here (tagged)')!.body).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
      const failed = await eventually(async () => ((await messageRow(rb.body.id)).status === 'failed' ? messageRow(rb.body.id) : null));
      expect(failed.error).toMatch(/^META_WINDOW_CLOSED:/);
      expect(meta.sends('me/messages').some((c) => c.body.message?.text === 'Too late')).toBe(false);
    });

    it('Instagram: a DM arrives with the username and the reply goes out through the Send API', async () => {
      const inbox = await create('instagram');
      expect(inbox.settings).toMatchObject({
        instagramAccountId: meta.page.instagramId,
        accountName: meta.page.instagramUsername,
        callbackUrl: expect.stringContaining('/channels/instagram/'),
      });
      const igsid = `5${Date.now()}`;
      meta.addProfile(igsid, { name: 'Lea Martin', username: 'lea.m' });
      await deliver(
        inbox,
        messaging('instagram', meta.page.instagramId, {
          sender: { id: igsid },
          recipient: { id: meta.page.instagramId },
          timestamp: Date.now(),
          message: { mid: `ig_${igsid}`, text: 'Do you ship to Lyon?' },
        }),
      );
      const row = await messageBy(inbox.id, `ig_${igsid}`);
      expect((await sut.api('GET', `/conversations/${row.conversation_id}`, { token: admin })).body).toMatchObject({ channel: 'instagram', contactName: 'Lea Martin' });
      const reply = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'Oui !' } });
      await eventually(async () => (await messageRow(reply.body.id)).status === 'sent');
      expect(meta.sends('me/messages').find((c) => c.body.message?.text === 'Oui !')!.body.recipient).toEqual({ id: igsid });
    });
  });

  describe('replaying the corpus', () => {
    const outcome = (r: { status: number; body: any }) => (r.status === 200 ? `${r.body.outcome}:${r.body.items}` : `HTTP ${r.status}`);

    it('every WhatsApp sample (pywa) is stored or ignored with a reason, none crashes', async () => {
      const inbox = await create('whatsapp', { phoneNumberId: meta.whatsapp.phoneNumberId });
      const dir = join(CORPUS, 'whatsapp/pywa');
      const files = [
        'message',
        'message_status',
        'callback_button',
        'callback_selection',
        'outgoing_message',
        'deleted_message',
        'edited_message',
        'system',
        'account_update',
        'template_status_update',
        'call_connect',
        'call_permission_update',
        'flow_completion',
        'user_marketing_preferences',
      ];
      const perFile: Record<string, Record<string, number>> = {};
      for (const f of files) {
        const samples = JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8')) as Record<string, any>;
        for (const body of Object.values(samples)) {
          // The samples are for phone number 1122334455667: re-addressed to this inbox's number.
          const raw = JSON.stringify(body).replaceAll('"1122334455667"', `"${meta.whatsapp.phoneNumberId}"`);
          const res = await deliver(inbox, raw);
          expect([f, res.status]).toEqual([f, 200]);
          const key = res.body.outcome;
          (perFile[f] ??= {})[key] = (perFile[f][key] ?? 0) + 1;
        }
      }
      expect(perFile).toEqual({
        message: { queued: 23 },
        // The placeholder phone_number_id <BUSINESS_PHONE_NUMBER_ID> is another number: ignored with that reason.
        message_status: { queued: 6, ignored: 1 },
        callback_button: { queued: 3 },
        callback_selection: { queued: 2 },
        outgoing_message: { queued: 3 },
        deleted_message: { ignored: 1 },
        edited_message: { queued: 1 },
        system: { queued: 2 },
        account_update: { ignored: 17 },
        template_status_update: { ignored: 2 },
        call_connect: { ignored: 2 },
        call_permission_update: { queued: 2 },
        flow_completion: { queued: 2 },
        user_marketing_preferences: { ignored: 2 },
      });
      await drained(inbox.id);
      // Most samples reuse the id wamid.xyzxyz: ingest keeps one message per id.
      const ids = (await db.query(`SELECT external_id FROM messages WHERE inbox_id = $1 ORDER BY external_id`, [inbox.id])).rows.map((r) => r.external_id);
      expect(ids).toEqual([
        'wamid.ID',
        'wamid.wegrchytvwcggt=',
        'wamid.wegrchytvwcggt==',
        'wamid.x',
        'wamid.xsidjw',
        'wamid.xsidjx',
        'wamid.xyzxyz',
        'wamid.xyzxyz==',
        'wamid.zyzxyz',
      ]);
      expect((await sut.api('GET', '/health')).body).toMatchObject({ status: 'ok' });
    }, 120000);

    it('every Messenger sample (ker0x) and the Instagram samples (from chatwoot factories) are stored or ignored with a reason', async () => {
      const inbox = await create('messenger');
      const dir = join(CORPUS, 'messenger/ker0x-messenger');
      const results: Record<string, string> = {};
      for (const f of ['callback/message.json', 'callback/stand_by.json', 'callback/invalid_message.json']) {
        const raw = readFileSync(join(dir, f), 'utf8').replaceAll('"625987814267888"', `"${meta.page.id}"`).replaceAll('"PAGE_ID"', `"${meta.page.id}"`);
        results[f] = outcome(await deliver(inbox, raw));
      }
      for (const f of [
        'message',
        'message_echo',
        'delivery',
        'read',
        'reaction',
        'postback',
        'postback_from_stand_by',
        'referral',
        'optin',
        'account_linking',
        'policy_enforcement',
        'pass_thread_control',
        'take_thread_control',
        'request_thread_control',
        'app_roles',
        'game_play',
        'payment',
        'checkout_update',
        'pre_checkout',
        'raw',
      ]) {
        const event = JSON.parse(readFileSync(join(dir, `event/${f}.json`), 'utf8'));
        results[f] = outcome(await deliver(inbox, messaging('page', meta.page.id, event)));
      }
      expect(results).toEqual({
        'callback/message.json': 'queued:1',
        'callback/stand_by.json': 'queued:1',
        'callback/invalid_message.json': 'HTTP 400',
        message: 'queued:1',
        message_echo: 'queued:1',
        delivery: 'queued:1',
        read: 'queued:1',
        reaction: 'queued:1',
        postback: 'queued:1',
        postback_from_stand_by: 'queued:1',
        referral: 'ignored:0',
        optin: 'ignored:0',
        account_linking: 'ignored:0',
        policy_enforcement: 'ignored:0',
        pass_thread_control: 'ignored:0',
        take_thread_control: 'ignored:0',
        request_thread_control: 'ignored:0',
        app_roles: 'ignored:0',
        game_play: 'ignored:0',
        payment: 'ignored:0',
        checkout_update: 'ignored:0',
        pre_checkout: 'ignored:0',
        raw: 'ignored:0',
      });
      await drained(inbox.id);
      const rows = (await db.query(`SELECT external_id, direction, text FROM messages WHERE inbox_id = $1 ORDER BY external_id`, [inbox.id])).rows;
      expect(rows.map((r) => [r.external_id, r.direction])).toEqual([
        ['mid.1457764197618:41d102a3e1ae206a38', 'inbound'],
        ['postback:USER_ID:1458692752478', 'inbound'],
      ]);

      // Instagram: the hashes of chatwoot's factories (instagram_message_create_event and friends) as fixtures.
      const ig = await create('instagram');
      const igEvent = (message: Record<string, unknown>, sender = 'Sender-id-1') =>
        messaging('instagram', meta.page.instagramId, { sender: { id: sender }, recipient: { id: meta.page.instagramId }, timestamp: '2021-09-08T06:34:04+0000', message });
      const ig1 = [
        await deliver(ig, igEvent({ mid: 'message-id-1', text: 'This is the first message from the customer' })),
        await deliver(ig, igEvent({ mid: 'message-id-2', text: 'This is message with replyto mid', reply_to: { mid: 'message-id-1' } })),
        await deliver(
          ig,
          igEvent({
            mid: 'story-reply-1',
            text: 'This is the story reply',
            reply_to: { story: { id: 'chatwoot-app-user-id-1', url: 'https://chatwoot-assets.local/sample.png' } },
          }),
        ),
        await deliver(ig, igEvent({ mid: 'share-1', attachments: [{ type: 'share', payload: { url: 'https://www.example.com/test.jpeg' } }] })),
        await deliver(
          ig,
          igEvent({ mid: 'reel-1', attachments: [{ type: 'ig_reel', payload: { reel_video_id: '1234', title: 'Reel title', url: 'https://www.example.com/test.jpeg' } }] }),
        ),
        await deliver(ig, igEvent({ mid: 'message-id-1', is_deleted: true })),
        // chatwoot's echo factory keeps the customer as sender; a real echo is sent by the account, to the customer.
        await deliver(
          ig,
          messaging('instagram', meta.page.instagramId, {
            sender: { id: meta.page.instagramId },
            recipient: { id: 'Sender-id-1' },
            timestamp: '2021-09-08T06:35:04+0000',
            message: { mid: 'mention-echo', attachments: [{ type: 'story_mention', payload: { url: 'https://www.example.com/test.jpeg' } }], is_echo: true },
          }),
        ),
      ];
      expect(ig1.map(outcome)).toEqual(['queued:1', 'queued:1', 'queued:1', 'queued:1', 'queued:1', 'queued:1', 'queued:1']);
      await drained(ig.id);
      const igRows = Object.fromEntries((await db.query(`SELECT external_id, text, metadata FROM messages WHERE inbox_id = $1`, [ig.id])).rows.map((r) => [r.external_id, r]));
      expect(igRows['message-id-1'].metadata.deleted).toEqual({ at: '2021-09-08T06:34:04.000Z' });
      expect(igRows['message-id-2'].metadata.replyTo).toEqual({ externalId: 'message-id-1', messageId: expect.any(String) });
      expect(igRows['story-reply-1'].metadata.storyReply).toEqual({ id: 'chatwoot-app-user-id-1', url: 'https://chatwoot-assets.local/sample.png' });
      expect(igRows['reel-1'].text).toBe('[ig_reel] Reel title https://www.example.com/test.jpeg');
      expect(igRows['mention-echo']).toMatchObject({ metadata: expect.objectContaining({ sentOutsideInbox: true }) });
    }, 120000);
  });
});
