import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { FakeSlack, slackHeaders, startFakeSlack } from './helpers/fake-slack';

const CORPUS = resolve(__dirname, '../../shared/corpus');
const SECRET = '8f742231b10e8888abcd99ccdd85a5f1';
const SHARED = 'C0SHARED01';

/** The Slack channel end to end: real HTTP signed as Slack signs, a fake Slack Web API, real sockets and PostgreSQL. */
describe('Slack channel', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let slack: FakeSlack;
  const sockets: RecordingSocket[] = [];
  let tsSeq = 0;
  // Slack's ts is the post time (seconds.sequence): messages sort by it, so it must be now.
  const nextTs = () => {
    tsSeq = Math.max(Date.now() * 1000, tsSeq + 1);
    return `${Math.floor(tsSeq / 1e6)}.${String(tsSeq % 1e6).padStart(6, '0')}`;
  };

  beforeAll(async () => {
    slack = await startFakeSlack();
    ({ sut, admin, db } = await bootFixture({ SLACK_API_URL: slack.apiUrl }));
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()!.close();
  });

  afterAll(async () => {
    await sut?.close();
    await slack?.close();
  });

  const connect = async (token: string) => {
    const s = await connectSocket(sut.url, token);
    sockets.push(s);
    return s;
  };

  const createInbox = async (extra: Record<string, unknown> = {}) => {
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Slack ${uid()}`, channel: 'slack', botToken: slack.botToken, signingSecret: SECRET, ...extra } });
    if (res.status !== 201) throw new Error(`inbox: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; settings: Record<string, unknown> };
  };

  const deliver = (inboxId: string, body: object | string | Buffer, opts: { secret?: string; timestamp?: number; retryNum?: number; headers?: Record<string, string> } = {}) => {
    const raw = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : JSON.stringify(body);
    return sut.api('POST', `/channels/slack/${inboxId}/events`, {
      raw: Buffer.isBuffer(body) ? body : raw,
      headers: { ...slackHeaders(opts.secret ?? SECRET, raw, opts), ...(opts.headers ?? {}) },
    });
  };

  const envelope = (event: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    token: 'unused-verification-token',
    team_id: slack.teamId,
    api_app_id: 'A0442TUPHGR',
    type: 'event_callback',
    event_id: `Ev${uid().toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    event,
    ...extra,
  });
  const message = (f: Record<string, unknown>) => {
    const ts = (f.ts as string) ?? nextTs();
    return { type: 'message', channel: SHARED, channel_type: 'channel', user: 'U0CUSTOMER', text: 'hello', team: 'T0CUSTOMERS', ts, event_ts: ts, ...f };
  };

  const messagesWhere = async (inboxId: string, externalId: string) =>
    (await db.query(`SELECT id, conversation_id, text, metadata, status FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inboxId, externalId])).rows;
  const counts = async () =>
    (
      await db.query(
        `SELECT (SELECT count(*) FROM messages)::int AS messages, (SELECT count(*) FROM slack_events)::int AS events, (SELECT count(*) FROM conversations)::int AS conversations`,
      )
    ).rows[0];

  describe('adding a Slack inbox', () => {
    it('checks the token with auth.test, keeps the secrets encrypted and never shows them', async () => {
      const before = slack.calls.filter((c) => c.method === 'auth.test').length;
      const res = await sut.api('POST', '/inboxes', {
        token: admin,
        body: { name: 'Acme Slack', channel: 'slack', botToken: slack.botToken, signingSecret: SECRET, channels: [SHARED, SHARED] },
      });
      expect(res.status).toBe(201);
      expect(res.body.settings).toEqual({ channels: [SHARED], teamId: slack.teamId, team: 'Acme', botUserId: slack.botUserId });
      expect(JSON.stringify(res.body)).not.toContain(slack.botToken);
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
      expect(slack.calls.filter((c) => c.method === 'auth.test').length).toBe(before + 1);
      const { secrets } = (await db.query(`SELECT secrets FROM inboxes WHERE id = $1`, [res.body.id])).rows[0];
      expect(secrets).toMatch(/^v1\./);
      expect(secrets).not.toContain(slack.botToken);
      expect(secrets).not.toContain(SECRET);
      const listed = await sut.api('GET', `/inboxes/${res.body.id}`, { token: admin });
      expect(JSON.stringify(listed.body)).not.toContain(slack.botToken);
    });

    it.each([
      [{ botToken: 'xoxb-revoked-0000' }, /botToken: Slack refused it \(invalid_auth\)/],
      [{ botToken: 'xoxp-user-token' }, /botToken: must be the bot token/],
      [{ signingSecret: undefined }, /signingSecret: must be the signing secret/],
      [{ channels: ['general'] }, /channels: must be Slack channel ids/],
    ])('refuses %j with 400 and a message', async (patch, message) => {
      const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Bad Slack', channel: 'slack', botToken: slack.botToken, signingSecret: SECRET, ...patch } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(message) });
    });
  });

  describe('the events endpoint', () => {
    let inbox: { id: string };
    beforeAll(async () => {
      inbox = await createInbox();
    });

    it("answers Slack's url_verification handshake (corpus sample)", async () => {
      const raw = readFileSync(join(CORPUS, 'slack/python-slack-events-api/url_challenge.json'));
      const res = await deliver(inbox.id, raw);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ challenge: JSON.parse(raw.toString()).challenge });
    });

    it('refuses wrongly signed, stale, future, unsigned and other-secret requests with 401 and stores nothing', async () => {
      const body = JSON.stringify(envelope(message({ text: 'forged' })));
      const before = await counts();
      const now = Math.floor(Date.now() / 1000);
      const attempts = [
        await deliver(inbox.id, body, { secret: 'another-app-secret-000000000000' }),
        await deliver(inbox.id, body, { timestamp: now - 6 * 60 }),
        await deliver(inbox.id, body, { timestamp: now + 6 * 60 }),
        await sut.api('POST', `/channels/slack/${inbox.id}/events`, { raw: body }),
        await deliver(inbox.id, body, { headers: { 'x-slack-signature': 'v0=' + '0'.repeat(64) } }),
        // Signed correctly, then tampered with on the way.
        await sut.api('POST', `/channels/slack/${inbox.id}/events`, { raw: body.replace('forged', 'f0rged'), headers: slackHeaders(SECRET, body) }),
      ];
      expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
      expect(attempts.map((a) => a.body.message)).toEqual([
        'Slack signature rejected: signature mismatch',
        expect.stringMatching(/stale/),
        expect.stringMatching(/in the future/),
        'Slack signature rejected: X-Slack-Request-Timestamp header missing',
        'Slack signature rejected: signature mismatch',
        'Slack signature rejected: signature mismatch',
      ]);
      expect(await counts()).toEqual(before);
    });

    it('answers 404 for an unknown inbox and 400 with a reason for what is not an Events API envelope', async () => {
      expect((await deliver('00000000-0000-4000-8000-000000000000', envelope(message({})))).status).toBe(404);
      const res = await deliver(inbox.id, { type: 'block_actions', actions: [] });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('"block_actions" is not an Events API envelope type');
    });
  });

  describe('a customer conversation', () => {
    let team: { id: string };
    let inbox: { id: string };
    let agent: { id: string; token: string };

    beforeAll(async () => {
      team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Support ${uid()}` } })).body;
      inbox = await createInbox({ teamId: team.id, channels: [SHARED] });
      const email = `agent-${uid()}@example.com`;
      const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ana', password: 'agent-password', role: 'agent', capacity: { slack: 5 } } })).body;
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: user.id } });
      await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
      agent = { id: user.id, token: await sut.login(email, 'agent-password') };
      slack.addUser('U0CUSTOMER', { name: 'dana', realName: 'Dana Scully', email: 'dana@customer.example' });
    });

    it('routes a shared-channel message to an agent live, and the reply lands in the Slack thread', async () => {
      const socket = await connect(agent.token);
      await eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [agent.id])).rows[0]?.presence === 'online');
      const parent = message({ text: 'Our invoices page shows &lt;error 500&gt;' });
      const ack = await deliver(inbox.id, envelope(parent, { is_ext_shared_channel: true }));
      expect(ack.status).toBe(200);
      expect(ack.body).toMatchObject({ ok: true, outcome: 'queued' });

      const assigned = await socket.waitFor('conversation.assigned', (d) => d.agentId === agent.id);
      const conversationId = assigned.conversationId;
      const first = await socket.waitFor('message.created', (d) => d.conversationId === conversationId && d.kind === 'message');
      expect(first).toMatchObject({ direction: 'inbound', text: 'Our invoices page shows <error 500>', externalId: `${SHARED}:${parent.ts}` });
      expect(first.metadata.slack).toMatchObject({ channel: SHARED, ts: parent.ts, user: 'U0CUSTOMER', externalShared: true });
      const conv = (await sut.api('GET', `/conversations/${conversationId}`, { token: agent.token })).body;
      expect(conv).toMatchObject({ channel: 'slack', contactName: 'Dana Scully', subject: 'Our invoices page shows <error 500>' });

      const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: agent.token, body: { text: 'Looking into it: a < b & c' } });
      expect(reply.status).toBe(201);
      const sent = await socket.waitFor('message.updated', (d) => d.id === reply.body.id && d.status === 'sent');
      const post = slack.posted().find((c) => c.args.text === 'Looking into it: a &lt; b &amp; c')!;
      expect(post.args).toMatchObject({ channel: SHARED, thread_ts: parent.ts });
      const postedTs = sent.externalId.split(':')[1];
      expect(sent.externalId).toBe(`${SHARED}:${postedTs}`);

      // The customer answers in the thread: same conversation.
      const followUp = message({ text: 'Thanks!', thread_ts: parent.ts });
      await deliver(inbox.id, envelope(followUp, { is_ext_shared_channel: true }));
      const second = await socket.waitFor('message.created', (d) => d.externalId === `${SHARED}:${followUp.ts}`);
      expect(second.conversationId).toBe(conversationId);

      // Slack echoes our own post back as an event: ignored, no loop.
      const echo = await deliver(inbox.id, envelope(message({ ts: postedTs, thread_ts: parent.ts, user: slack.botUserId, bot_id: slack.botId, text: 'Looking into it' })));
      expect(echo.body).toMatchObject({ outcome: 'ignored', reason: 'our own message (echo of what we posted)' });
      const msgs = (await sut.api('GET', `/conversations/${conversationId}/messages`, { token: agent.token })).body.items.filter((m: any) => m.kind === 'message');
      expect(msgs.map((m: any) => [m.direction, m.text])).toEqual([
        ['inbound', 'Our invoices page shows <error 500>'],
        ['outbound', 'Looking into it: a < b & c'],
        ['inbound', 'Thanks!'],
      ]);
    });

    it('never duplicates a redelivered event (X-Slack-Retry-Num) or concurrent deliveries of one event id', async () => {
      const ev = envelope(message({ text: 'Delivered more than once' }));
      const first = await deliver(inbox.id, ev);
      const retry = await deliver(inbox.id, ev, { retryNum: 1 });
      expect([first.body.outcome, retry.body.outcome]).toEqual(['queued', 'duplicate']);
      // A captured request replayed byte for byte (same timestamp and signature) within the window.
      const raw = JSON.stringify(envelope(message({ text: 'Captured and replayed' })));
      const captured = slackHeaders(SECRET, raw);
      const replays = [];
      for (let i = 0; i < 2; i++) replays.push(await sut.api('POST', `/channels/slack/${inbox.id}/events`, { raw, headers: captured }));
      expect(replays.map((r) => [r.status, r.body.outcome])).toEqual([
        [200, 'queued'],
        [200, 'duplicate'],
      ]);
      const ev2 = envelope(message({ text: 'Raced' }));
      const raced = await Promise.all([1, 2, 3, 4].map((n) => deliver(inbox.id, ev2, { retryNum: n - 1 })));
      expect(raced.map((r) => r.body.outcome).sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'queued']);
      // The same message under a new event id (Slack re-sends after a reconnect): ingest is idempotent on channel:ts.
      await deliver(inbox.id, { ...ev, event_id: `Ev${uid().toUpperCase()}` });
      await eventually(async () => (await messagesWhere(inbox.id, `${SHARED}:${ev2.event.ts}`)).length === 1, 15000, 'the raced message');
      await eventually(
        async () => (await db.query(`SELECT 1 FROM pgboss.job WHERE name = 'slack-intake' AND state <> 'completed' AND data->>'inboxId' = $1`, [inbox.id])).rows.length === 0,
        15000,
        'the queue to drain',
      );
      expect(await messagesWhere(inbox.id, `${SHARED}:${ev.event.ts}`)).toHaveLength(1);
      expect(await messagesWhere(inbox.id, `${SHARED}:${ev2.event.ts}`)).toHaveLength(1);
    });

    it('applies an edit and marks a deletion, live for staff', async () => {
      const socket = await connect(admin);
      const original = message({ text: 'My order is #1234' });
      await deliver(inbox.id, envelope(original));
      const created = await socket.waitFor('message.created', (d) => d.externalId === `${SHARED}:${original.ts}`);
      const editTs = nextTs();
      await deliver(
        inbox.id,
        envelope({
          type: 'message',
          subtype: 'message_changed',
          hidden: true,
          channel: SHARED,
          channel_type: 'channel',
          ts: editTs,
          event_ts: editTs,
          message: { ...original, text: 'My order is #1235', edited: { user: 'U0CUSTOMER', ts: editTs } },
          previous_message: original,
        }),
      );
      const edited = await socket.waitFor('message.updated', (d) => d.id === created.id && d.text === 'My order is #1235');
      expect(edited.metadata.edited).toMatchObject({ by: 'U0CUSTOMER', previousText: 'My order is #1234' });
      const delTs = nextTs();
      await deliver(
        inbox.id,
        envelope({
          type: 'message',
          subtype: 'message_deleted',
          hidden: true,
          channel: SHARED,
          channel_type: 'channel',
          ts: delTs,
          event_ts: delTs,
          deleted_ts: original.ts,
          previous_message: original,
        }),
      );
      const deleted = await socket.waitFor('message.updated', (d) => d.id === created.id && d.metadata.deleted);
      expect(deleted.metadata.deleted.at).toBe(new Date(Number(delTs) * 1000).toISOString());
    });

    it('keeps a DM as one conversation and answers in the DM itself', async () => {
      const dm = 'D0DIRECT01';
      const a = message({ channel: dm, channel_type: 'im', text: 'hi, it is me again' });
      const b = message({ channel: dm, channel_type: 'im', text: 'still there?' });
      await deliver(inbox.id, envelope(a));
      await deliver(inbox.id, envelope(b));
      const rows = await eventually(async () => {
        const r = [...(await messagesWhere(inbox.id, `${dm}:${a.ts}`)), ...(await messagesWhere(inbox.id, `${dm}:${b.ts}`))];
        return r.length === 2 && r;
      });
      expect(rows[0].conversation_id).toBe(rows[1].conversation_id);
      const reply = await sut.api('POST', `/conversations/${rows[0].conversation_id}/messages`, { token: admin, body: { text: 'Yes, here' } });
      await eventually(
        async () =>
          (await sut.api('GET', `/conversations/${rows[0].conversation_id}/messages`, { token: admin })).body.items.find((m: any) => m.id === reply.body.id)?.status === 'sent',
      );
      const post = slack.posted().find((c) => c.args.text === 'Yes, here')!;
      expect(post.args.channel).toBe(dm);
      expect(post.args.thread_ts).toBeUndefined();
    });

    it('downloads files with the bot token into attachments, and lists oversized or missing ones as skipped', async () => {
      slack.addFile('F0SMALL001', { name: 'invoice.txt', mimetype: 'text/plain', data: Buffer.from('total: 42 EUR\n') });
      slack.addFile('F0HUGE0001', { name: 'dump.bin', mimetype: 'application/octet-stream', data: Buffer.from('x'), reportedSize: 50 * 1024 * 1024 });
      const m = message({
        subtype: 'file_share',
        text: 'see attached',
        files: [
          { id: 'F0SMALL001', name: 'invoice.txt', mimetype: 'text/plain', size: 14, url_private_download: 'https://files.slack.com/files-pri/T/F0SMALL001/download/invoice.txt' },
          { id: 'F0HUGE0001', name: 'dump.bin', mimetype: 'application/octet-stream', size: 50 * 1024 * 1024 },
          { id: 'F0GONE0001', name: 'gone.png', mimetype: 'image/png', size: 10 },
        ],
      });
      await deliver(inbox.id, envelope(m));
      const [row] = await eventually(async () => {
        const r = await messagesWhere(inbox.id, `${SHARED}:${m.ts}`);
        return r.length === 1 && r;
      });
      const summary = (await sut.api('GET', `/conversations/${row.conversation_id}/messages`, { token: admin })).body.items.find((x: any) => x.id === row.id);
      expect(summary.attachments).toEqual([expect.objectContaining({ fileName: 'invoice.txt', contentType: 'text/plain', size: 14 })]);
      const file = await fetch(`${sut.url}${summary.attachments[0].url}`, { headers: { authorization: `Bearer ${admin}` } });
      expect(await file.text()).toBe('total: 42 EUR\n');
      expect(row.metadata.skippedFiles).toEqual([
        { id: 'F0HUGE0001', name: 'dump.bin', reason: expect.stringMatching(/over the 10485760 byte limit/) },
        { id: 'F0GONE0001', name: 'gone.png', reason: expect.stringMatching(/file_not_found/) },
      ]);
    });

    it('ignores other bots, channel noise and unwatched channels, storing nothing', async () => {
      const before = await counts();
      const answers = await Promise.all([
        deliver(inbox.id, envelope(message({ bot_id: 'B0CIRCLECI', user: undefined, subtype: 'bot_message', text: 'build passed' }))),
        deliver(inbox.id, envelope(message({ subtype: 'channel_join', text: '<@U0CUSTOMER> has joined the channel' }))),
        deliver(inbox.id, envelope(message({ channel: 'C0NOTWATCH', text: 'random chatter' }))),
        deliver(inbox.id, envelope({ type: 'reaction_added', user: 'U0CUSTOMER', reaction: 'thumbsup' })),
      ]);
      expect(answers.map((a) => [a.status, a.body.outcome, a.body.reason])).toEqual([
        [200, 'ignored', 'a message from another bot or app'],
        [200, 'ignored', 'message subtype "channel_join" is not a customer message'],
        [200, 'ignored', 'channel C0NOTWATCH is not watched by this inbox'],
        [200, 'ignored', 'event type "reaction_added" is not handled'],
      ]);
      expect(await counts()).toEqual(before);
    });

    it('retries a rate-limited reply after Retry-After and ends sent', async () => {
      const m = message({ text: 'rate limit me' });
      await deliver(inbox.id, envelope(m));
      const [row] = await eventually(async () => {
        const r = await messagesWhere(inbox.id, `${SHARED}:${m.ts}`);
        return r.length === 1 && r;
      });
      slack.script('chat.postMessage', [{ status: 429, retryAfter: 1 }]);
      const reply = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'After the pause' } });
      await eventually(
        async () =>
          (await sut.api('GET', `/conversations/${row.conversation_id}/messages`, { token: admin })).body.items.find((x: any) => x.id === reply.body.id)?.status === 'sent',
        30000,
        'the reply to be sent',
      );
      const tries = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.text === 'After the pause');
      expect(tries).toHaveLength(2);
      expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(1000);
      const final = (await db.query(`SELECT attempts, error FROM messages WHERE id = $1`, [reply.body.id])).rows[0];
      expect(final).toEqual({ attempts: 2, error: null });
    });

    it('fails a reply at once when Slack answers channel_not_found, with the reason shown', async () => {
      const m = message({ text: 'channel will vanish' });
      await deliver(inbox.id, envelope(m));
      const [row] = await eventually(async () => {
        const r = await messagesWhere(inbox.id, `${SHARED}:${m.ts}`);
        return r.length === 1 && r;
      });
      slack.script('chat.postMessage', [{ error: 'channel_not_found' }]);
      const reply = await sut.api('POST', `/conversations/${row.conversation_id}/messages`, { token: admin, body: { text: 'Into the void' } });
      const failed = await eventually(async () => {
        const r = (await db.query(`SELECT status, error, attempts FROM messages WHERE id = $1`, [reply.body.id])).rows[0];
        return r.status === 'failed' && r;
      });
      expect(failed).toEqual({ status: 'failed', error: 'Slack chat.postMessage failed: channel_not_found', attempts: 1 });
    });
  });

  describe('the bot posting API', () => {
    let inbox: { id: string };
    let bot: { id: string; token: string };
    beforeAll(async () => {
      inbox = await createInbox();
      bot = (await sut.api('POST', '/bots', { token: admin, body: { name: `Announcer ${uid()}` } })).body;
    });

    it('posts a new thread for a bot, records it in a bot-owned conversation, and threads the answers into it', async () => {
      const res = await sut.api('POST', `/inboxes/${inbox.id}/slack/messages`, { token: bot.token, body: { channel: SHARED, text: 'Maintenance tonight at 22:00 <!here>' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ channel: SHARED, conversationCreated: true, message: { direction: 'outbound', authorType: 'bot', authorId: bot.id, status: 'sent' } });
      const post = slack.posted().find((c) => c.args.text === 'Maintenance tonight at 22:00 <!here>')!;
      expect(post.args.thread_ts).toBeUndefined();
      const conv = (await sut.api('GET', `/conversations/${res.body.conversationId}`, { token: admin })).body;
      expect(conv).toMatchObject({ status: 'bot', assigneeId: null, channel: 'slack' });

      const answer = message({ text: 'Will the API be down too?', thread_ts: res.body.ts });
      await deliver(inbox.id, envelope(answer));
      const [row] = await eventually(async () => {
        const r = await messagesWhere(inbox.id, `${SHARED}:${answer.ts}`);
        return r.length === 1 && r;
      });
      expect(row.conversation_id).toBe(res.body.conversationId);

      const inThread = await sut.api('POST', `/inboxes/${inbox.id}/slack/messages`, {
        token: bot.token,
        body: { channel: SHARED, threadTs: res.body.ts, text: 'Yes, for 10 minutes.' },
      });
      expect(inThread.status).toBe(201);
      expect(inThread.body).toMatchObject({ conversationId: res.body.conversationId, conversationCreated: false });
      expect(slack.posted().find((c) => c.args.text === 'Yes, for 10 minutes.')!.args.thread_ts).toBe(res.body.ts);
    });

    it('posts through the one channel endpoint too (POST /inboxes/:id/messages, target channel[:thread])', async () => {
      const top = await sut.api('POST', `/inboxes/${inbox.id}/messages`, { token: bot.token, body: { target: SHARED, text: 'Deploy finished' } });
      expect(top.status).toBe(201);
      expect(top.body).toMatchObject({ conversationCreated: true, message: { authorType: 'bot', authorId: bot.id } });
      const ts = slack.posted().find((c) => c.args.text === 'Deploy finished')!;
      expect(ts.args.thread_ts).toBeUndefined();
      const thread = (await db.query(`SELECT thread_key FROM conversations WHERE id = $1`, [top.body.conversationId])).rows[0].thread_key as string;
      const parentTs = thread.split(':').pop()!;
      const reply = await sut.api('POST', `/inboxes/${inbox.id}/messages`, { token: bot.token, body: { target: `${SHARED}:${parentTs}`, text: 'All green' } });
      expect(reply.body).toMatchObject({ conversationId: top.body.conversationId, conversationCreated: false });
      expect(slack.posted().find((c) => c.args.text === 'All green')!.args.thread_ts).toBe(parentTs);
      expect((await sut.api('POST', `/inboxes/${inbox.id}/messages`, { token: bot.token, body: { target: 'general', text: 'x' } })).body.details.fields).toHaveProperty('target');
    });

    it('refuses bad input with 400, Slack refusals with their code, agents with 403 and non-Slack inboxes', async () => {
      const bad = await sut.api('POST', `/inboxes/${inbox.id}/slack/messages`, { token: bot.token, body: { channel: 'general', text: '' } });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.details.fields).sort()).toEqual(['channel', 'text']);
      slack.script('chat.postMessage', [{ error: 'not_in_channel' }]);
      const refused = await sut.api('POST', `/inboxes/${inbox.id}/slack/messages`, { token: bot.token, body: { channel: 'C0PRIVATE1', text: 'hello?' } });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe('Slack refused the message: not_in_channel');
      slack.script('chat.postMessage', [{ status: 429, retryAfter: 3 }]);
      const limited = await sut.api('POST', `/inboxes/${inbox.id}/slack/messages`, { token: bot.token, body: { channel: SHARED, text: 'too fast' } });
      expect(limited.status).toBe(429);
      expect(limited.body.details).toEqual({ retryAfterSeconds: 3 });
      const email = `agent-${uid()}@example.com`;
      await sut.api('POST', '/users', { token: admin, body: { email, name: 'Agent', password: 'agent-password', role: 'agent' } });
      const asAgent = await sut.api('POST', `/inboxes/${inbox.id}/slack/messages`, { token: await sut.login(email, 'agent-password'), body: { channel: SHARED, text: 'hi' } });
      expect(asAgent.status).toBe(403);
      const apiInbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api' } })).body;
      const wrongKind = await sut.api('POST', `/inboxes/${apiInbox.id}/slack/messages`, { token: bot.token, body: { channel: SHARED, text: 'hi' } });
      expect(wrongKind.status).toBe(400);
      expect(wrongKind.body.code).toBe('CHANNEL_NOT_SUPPORTED');
    });
  });

  describe('replaying the real Slack payloads of the corpus', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.json') ? [join(dir, f)] : []));
    const corpusFiles = files(join(CORPUS, 'slack')).sort();

    it('accepts or rejects every payload with a reason, never crashes, and ingests the customer messages', async () => {
      expect(corpusFiles.length).toBeGreaterThanOrEqual(60);
      const inbox = await createInbox();
      const outcomes: Record<string, string> = {};
      const ackMs: number[] = [];
      for (const file of corpusFiles) {
        const raw = readFileSync(file);
        const started = process.hrtime.bigint();
        const res = await deliver(inbox.id, raw);
        ackMs.push(Number(process.hrtime.bigint() - started) / 1e6);
        const name = relative(join(CORPUS, 'slack'), file);
        expect({ name, handled: [200, 400].includes(res.status) || res.status }).toEqual({ name, handled: true });
        if (res.status === 400) expect(res.body.message).toEqual(expect.any(String));
        outcomes[name] =
          res.status === 400 ? `rejected: ${res.body.message}` : res.body.challenge ? 'challenge' : `${res.body.outcome}${res.body.reason ? `: ${res.body.reason}` : ''}`;
        const parsed = JSON.parse(raw.toString('utf8'));
        // The java-slack-sdk samples are blanked (type "", event_id ""): their events are replayed in a valid envelope too.
        if (parsed?.event && typeof parsed.event === 'object' && (parsed.type !== 'event_callback' || !parsed.event_id)) {
          const fixed = await deliver(inbox.id, { ...parsed, type: 'event_callback', event_id: `Ev${uid().toUpperCase()}` });
          expect({ name, handled: [200, 400].includes(fixed.status) || fixed.status }).toEqual({ name, handled: true });
          outcomes[`${name} (as envelope)`] =
            fixed.status === 400 ? `rejected: ${fixed.body.message}` : `${fixed.body.outcome}${fixed.body.reason ? `: ${fixed.body.reason}` : ''}`;
        }
        // Bare message objects (Web API answers) are replayed inside an envelope too.
        const bare = parsed?.type === 'message' ? parsed : parsed?.message?.type === 'message' ? { channel: parsed.channel, ...parsed.message } : null;
        if (bare) {
          const wrapped = await deliver(inbox.id, envelope(bare));
          expect({ name, handled: [200, 400].includes(wrapped.status) || wrapped.status }).toEqual({ name, handled: true });
          outcomes[`${name} (as event)`] =
            wrapped.status === 400 ? `rejected: ${wrapped.body.message}` : `${wrapped.body.outcome}${wrapped.body.reason ? `: ${wrapped.body.reason}` : ''}`;
        }
      }
      expect(outcomes).toMatchObject({
        'python-slack-events-api/url_challenge.json': 'challenge',
        'slack-web/SlackWebhookEvent/messageExample.json': 'queued',
        'slack-web/SlackWebhookEvent/messageIm.json': 'queued',
        'slack-web/SlackWebhookEvent/message_file_share.json': 'queued',
        'slack-web/SlackWebhookEvent/message_file_share_slack_connect.json': 'duplicate',
        'slack-web/SlackWebhookEvent/botMessage.json': 'ignored: our own message (echo of what we posted)',
        'slack-web/SlackWebhookEvent/circleci.json': 'ignored: a message from another bot or app',
        'slack-web/SlackWebhookEvent/joinChannel.json': 'ignored: message subtype "channel_join" is not a customer message',
        'slack-web/SlackWebhookEvent/messageChange.json': 'queued',
        'slack-web/SlackWebhookEvent/message_deleted.json': 'queued',
        'java-slack-sdk/app-backend/BlockActionPayload.json': 'rejected: "block_actions" is not an Events API envelope type',
        'java-slack-sdk/events/MessagePayload.json': 'rejected: "" is not an Events API envelope type',
        'slack-web/FileObject/real.json': 'rejected: not an Events API envelope (no type)',
      });
      ackMs.sort((x, y) => x - y);
      console.log(
        `Slack corpus replay (${corpusFiles.length} files), ack time median ${ackMs[ackMs.length >> 1].toFixed(1)} ms, max ${ackMs[ackMs.length - 1].toFixed(1)} ms:\n` +
          Object.entries(outcomes)
            .map(([f, o]) => `  ${f}: ${o}`)
            .join('\n'),
      );

      await eventually(
        async () => (await db.query(`SELECT 1 FROM pgboss.job WHERE name = 'slack-intake' AND state <> 'completed' AND data->>'inboxId' = $1`, [inbox.id])).rows.length === 0,
        30000,
        'the replayed events to be processed',
      );
      const stored = (await db.query(`SELECT external_id, text, metadata FROM messages WHERE inbox_id = $1 ORDER BY external_id`, [inbox.id])).rows;
      const byId = Object.fromEntries(stored.map((r) => [r.external_id, r]));
      expect(byId['C043YJGBY49:1663966382.046509']).toMatchObject({ text: 'dgsfklsdgf', metadata: { deleted: expect.any(Object) } });
      expect(byId['D0442US94JD:1664408649.009629'].text).toBe('test');
      expect(byId['D0442US94JD:1670631527.874149'].metadata.skippedFiles).toEqual([
        { id: 'F04EEHX1EES', name: 'namenamename.txt', reason: expect.stringMatching(/file_not_found/) },
      ]);
      expect((await sut.api('GET', '/health')).body).toMatchObject({ status: 'ok' });
    }, 120000);
  });
});
