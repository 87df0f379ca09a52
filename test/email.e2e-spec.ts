import { Client } from 'pg';
import { TestApp, bootApp, eventually, uid } from './helpers/app';
import { startDovecot, TestDovecot, freePort } from './helpers/dovecot';
import { startSmtpSink, SmtpSink } from './helpers/smtp-sink';
import { buildBounce, buildMail } from './helpers/mail-factory';
import { connectSocket, RecordingSocket } from './helpers/sockets';

describe('email channel: IMAP in, SMTP out, against real Dovecot and a real SMTP server', () => {
  let sut: TestApp;
  let admin: string;
  let dovecot: TestDovecot;
  let sink: SmtpSink;
  let db: Client;
  let inbox: { id: string; settings: Record<string, any> };
  const ADDRESS = 'support@acme.test';

  beforeAll(async () => {
    [dovecot, sink] = await Promise.all([startDovecot({ support: 'support-pass', routed: 'routed-pass' }), startSmtpSink()]);
    sut = await bootApp();
    admin = await sut.login();
    db = new Client({ connectionString: sut.databaseUrl });
    await db.connect();
    const res = await sut.api('POST', '/inboxes', {
      token: admin,
      body: { name: 'Support', channel: 'email', address: ADDRESS, imap: dovecot.imapSettings('support'), smtp: sink.smtpSettings() },
    });
    expect(res.status).toBe(201);
    inbox = res.body;
  });

  afterAll(async () => {
    await db?.end();
    await sut?.close();
    await Promise.all([dovecot?.close(), sink?.close()]);
  });

  const messagesByExternalId = async (externalId: string) =>
    (
      await db.query(`SELECT m.*, c.thread_key FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.inbox_id = $1 AND m.external_id = $2`, [
        inbox.id,
        externalId,
      ])
    ).rows;
  const arrived = (externalId: string) => eventually(async () => (await messagesByExternalId(externalId))[0], 15000, `mail ${externalId}`);
  const deliver = (raw: string) => dovecot.append('support', [raw]);

  describe('creating an email inbox', () => {
    it('stores IMAP and SMTP settings, never returns or stores the passwords in clear', async () => {
      expect(inbox.settings).toMatchObject({ address: ADDRESS, imap: { host: '127.0.0.1', port: dovecot.port, user: 'support', mailbox: 'INBOX' }, smtp: { port: sink.port } });
      expect(JSON.stringify(inbox)).not.toContain(dovecot.users.support);
      const got = await sut.api('GET', `/inboxes/${inbox.id}`, { token: admin });
      expect(JSON.stringify(got.body)).not.toContain(dovecot.users.support);
      const { rows } = await db.query(`SELECT settings::text AS s, secrets FROM inboxes WHERE id = $1`, [inbox.id]);
      expect(rows[0].s + rows[0].secrets).not.toContain(dovecot.users.support);
      expect(rows[0].secrets).toMatch(/^v1\./);
    });

    it('rejects missing or malformed settings with 400 and one message per field', async () => {
      const res = await sut.api('POST', '/inboxes', {
        token: admin,
        body: { name: 'Bad', channel: 'email', address: ADDRESS, imap: { host: 'bad host!', port: 99999, user: 'x' } },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.details.fields).sort()).toEqual(['imap.host', 'imap.password', 'imap.port', 'smtp']);
    });
  });

  describe('inbound', () => {
    it('turns a new mail into a conversation with the sender as contact, CC kept, HTML sanitised, attachment and raw source stored', async () => {
      const mail = buildMail({
        from: 'Carla Customer <Carla@Customer.test>',
        cc: 'Boss <boss@customer.test>, other@customer.test',
        subject: 'Broken blender',
        body: 'My blender broke.\n\nOn Mon, 1 Jan 2026, Support <support@acme.test> wrote:\n> old quoted text',
        html: '<p>My blender <b>broke</b>.</p><script>alert(1)</script><img src="https://tracker.example/p.gif">',
        attachment: { name: 'photo.png', type: 'image/png', data: Buffer.from('89504e470d0a1a0a', 'hex') },
      });
      await deliver(mail.raw);
      const [m] = [await arrived(mail.messageId!)];
      expect(m.direction).toBe('inbound');
      expect(m.text).toBe('My blender broke.');
      expect(m.metadata.fullText).toContain('old quoted text');
      expect(m.html).toContain('<b>broke</b>');
      expect(m.html).not.toContain('<script');
      expect(m.html).not.toMatch(/ src="https:\/\/tracker/);
      expect(m.metadata.cc).toEqual(['boss@customer.test', 'other@customer.test']);
      expect(m.thread_key).toBe(mail.messageId);
      const ident = await db.query(
        `SELECT i.address, c.name FROM conversations cv JOIN contact_identities i ON i.contact_id = cv.contact_id AND i.channel = 'email' JOIN contacts c ON c.id = cv.contact_id WHERE cv.id = $1`,
        [m.conversation_id],
      );
      expect(ident.rows[0]).toEqual({ address: 'carla@customer.test', name: 'Carla Customer' });
      const att = await db.query(`SELECT file_name, content_type, size FROM attachments WHERE message_id = $1`, [m.id]);
      expect(att.rows).toEqual([{ file_name: 'photo.png', content_type: 'image/png', size: 8 }]);
      // The raw source is written right after the ingest transaction.
      const raw = await eventually(async () => (await db.query(`SELECT raw FROM email_raw_messages WHERE message_id = $1`, [m.id])).rows[0]);
      expect(raw.raw.toString()).toContain('Subject: Broken blender');
      const conv = await sut.api('GET', `/conversations/${m.conversation_id}`, { token: admin });
      expect(conv.body).toMatchObject({ channel: 'email', subject: 'Broken blender', inboxId: inbox.id });
    });

    it('routes a new mail to an online agent of the inbox team, live', async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Mail team ${uid()}` } })).body;
      const routed = (
        await sut.api('POST', '/inboxes', {
          token: admin,
          body: { name: 'Routed mail', channel: 'email', teamId: team.id, address: 'routed@acme.test', imap: dovecot.imapSettings('routed'), smtp: sink.smtpSettings() },
        })
      ).body;
      const email = `mail-agent-${uid()}@example.com`;
      const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Mail Agent', password: 'agent-password', role: 'agent', capacity: { email: 10 } } }))
        .body;
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: user.id } });
      await sut.api('POST', `/inboxes/${routed.id}/members`, { token: admin, body: { userId: user.id } });
      const agent = await connectSocket(sut.url, await sut.login(email, 'agent-password'));
      try {
        await eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [user.id])).rows[0]?.presence === 'online');
        const mail = buildMail({ subject: 'Route me', to: 'routed@acme.test' });
        await dovecot.append('routed', [mail.raw]);
        const m = await eventually(
          async () => (await db.query(`SELECT conversation_id FROM messages WHERE inbox_id = $1 AND external_id = $2`, [routed.id, mail.messageId])).rows[0],
        );
        const assigned = await agent.waitFor('conversation.assigned', (d) => d.conversationId === m.conversation_id);
        expect(assigned).toMatchObject({ agentId: user.id, by: 'routing' });
      } finally {
        agent.close();
      }
    });

    it('threads a reply chain of three mails into one conversation', async () => {
      const first = buildMail({ subject: 'Invoice question', from: 'dan@customer.test' });
      const second = buildMail({ subject: 'Re: Invoice question', from: 'dan@customer.test', inReplyTo: first.messageId!, references: [first.messageId!] });
      const third = buildMail({
        subject: 'Re: Re: Invoice question',
        from: 'Dan <DAN@customer.test>',
        inReplyTo: second.messageId!,
        references: [first.messageId!, second.messageId!],
      });
      await dovecot.append('support', [first.raw, second.raw, third.raw]);
      const rows = await eventually(async () => {
        const r = (await db.query(`SELECT conversation_id FROM messages WHERE external_id = ANY($1)`, [[first.messageId, second.messageId, third.messageId]])).rows;
        return r.length === 3 ? r : null;
      });
      expect(new Set(rows.map((r) => r.conversation_id)).size).toBe(1);
      const conv = await db.query(`SELECT thread_key FROM conversations WHERE id = $1`, [rows[0].conversation_id]);
      expect(conv.rows[0].thread_key).toBe(first.messageId);
    });

    it('stores a mail appended twice only once', async () => {
      const mail = buildMail({ subject: 'Twice' });
      await deliver(mail.raw);
      await deliver(mail.raw);
      const marker = buildMail({ subject: 'after twice' });
      await deliver(marker.raw);
      await arrived(marker.messageId!);
      expect(await messagesByExternalId(mail.messageId!)).toHaveLength(1);
    });

    it('gives a mail without Message-ID a stable hash id', async () => {
      const mail = buildMail({ messageId: null, subject: 'No id here', body: `unique ${uid()}` });
      await deliver(mail.raw);
      await deliver(mail.raw);
      const rows = await eventually(async () => (await db.query(`SELECT external_id FROM messages WHERE inbox_id = $1 AND text LIKE $2`, [inbox.id, `unique%`])).rows[0]);
      expect(rows.external_id).toMatch(/^sha256:[0-9a-f]{64}$/);
      const marker = buildMail({ subject: 'after no id' });
      await deliver(marker.raw);
      await arrived(marker.messageId!);
      expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [rows.external_id])).rows[0].n).toBe(1);
    });

    it('quarantines a mail it cannot use, shows it to admins with the raw bytes, and goes on with the next one', async () => {
      const garbage = 'this is not a mail at all, just one line without any header or body separator';
      const noSender = ['To: support@acme.test', 'Subject: who sent this?', `Message-ID: <${uid()}@nowhere.test>`, '', 'anonymous', ''].join('\r\n');
      const after = buildMail({ subject: 'after the bad ones' });
      await dovecot.append('support', [garbage, noSender, after.raw]);
      await arrived(after.messageId!);
      const res = await sut.api('GET', `/inboxes/${inbox.id}/quarantine`, { token: admin });
      expect(res.status).toBe(200);
      const reasons = res.body.items.map((i: { reason: string }) => i.reason);
      expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/not an RFC 822 message/), expect.stringMatching(/no sender address/)]));
      const item = res.body.items.find((i: { reason: string }) => /no sender/.test(i.reason));
      expect(item).toMatchObject({ mailbox: 'INBOX', size: Buffer.byteLength(noSender) });
      const raw = await fetch(`${sut.url}/api/v1/inboxes/${inbox.id}/quarantine/${item.id}/raw`, { headers: { authorization: `Bearer ${admin}` } });
      expect(raw.headers.get('content-type')).toContain('message/rfc822');
      expect(await raw.text()).toBe(noSender);
    });
  });

  describe('one transaction for the mail and its raw copy', () => {
    afterEach(async () => {
      await db.query(`DROP TRIGGER IF EXISTS refuse_raw ON email_raw_messages`);
      await db.query(`DROP FUNCTION IF EXISTS refuse_raw()`);
    });

    it('quarantines a mail whose raw copy cannot be stored without also ingesting it', async () => {
      // A real database fault on the raw copy only: the message insert itself would succeed.
      await db.query(`CREATE FUNCTION refuse_raw() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'raw storage is full'; END $$`);
      await db.query(`CREATE TRIGGER refuse_raw BEFORE INSERT ON email_raw_messages FOR EACH ROW EXECUTE FUNCTION refuse_raw()`);
      const sender = `rae-${uid()}@customer.test`;
      const mail = buildMail({ subject: 'raw copy refused', from: `Rae <${sender}>` });
      await deliver(mail.raw);
      const item = await eventually(
        async () => {
          const res = await sut.api('GET', `/inboxes/${inbox.id}/quarantine`, { token: admin });
          return res.body.items.find((i: { messageId: string | null; reason: string }) => i.messageId === mail.messageId || /raw storage is full/.test(i.reason));
        },
        15000,
        'the quarantined mail',
      );
      expect(item.reason).toMatch(/raw storage is full/);
      // Before the fix the message was stored AND quarantined: the same mail in two places.
      expect(await messagesByExternalId(mail.messageId!)).toEqual([]);
      expect((await db.query(`SELECT count(*)::int AS n FROM contacts c JOIN contact_identities i ON i.contact_id = c.id WHERE i.address = $1`, [sender])).rows[0].n).toBe(0);
    });
  });

  describe('outbound replies', () => {
    let socket: RecordingSocket;
    beforeAll(async () => {
      socket = await connectSocket(sut.url, admin);
    });
    afterAll(() => socket?.close());

    const startThread = async (subject = 'Where is my parcel?') => {
      const mail = buildMail({ subject, from: `Erin <erin-${uid()}@customer.test>`, cc: 'partner@customer.test' });
      await deliver(mail.raw);
      const m = await arrived(mail.messageId!);
      return { mail, conversationId: m.conversation_id as string, contact: m.metadata.email.from.address as string };
    };
    const reply = async (conversationId: string, text: string) => {
      const res = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text } });
      expect(res.status).toBe(201);
      return res.body;
    };
    const status = (id: string) => db.query(`SELECT status, error, external_id FROM messages WHERE id = $1`, [id]).then((r) => r.rows[0]);

    it('sends the agent reply with threading headers, and the customer answer threads back', async () => {
      const t = await startThread();
      const before = sink.received.length;
      const sent = await reply(t.conversationId, 'It ships tomorrow.');
      const update = await socket.waitFor('message.updated', (d) => d.id === sent.id && d.status === 'sent');
      expect(update.externalId).toMatch(new RegExp(`^${sent.id}\\.inbox@acme\\.test$`));
      const out = await eventually(async () => sink.received.slice(before).find((r) => r.parsed.messageId === `<${update.externalId}>`));
      expect(out.to).toEqual([t.contact, 'partner@customer.test']);
      expect((out.parsed.to as { value: Array<{ address: string }> }).value.map((a) => a.address)).toEqual([t.contact]);
      expect(out.parsed.inReplyTo).toBe(`<${t.mail.messageId}>`);
      expect(out.parsed.references).toEqual(`<${t.mail.messageId}>`);
      expect(out.parsed.subject).toBe('Re: Where is my parcel?');
      expect(out.parsed.from?.value[0]).toEqual({ address: ADDRESS, name: 'Admin via Support' });
      expect(out.parsed.cc && (out.parsed.cc as { value: Array<{ address: string }> }).value.map((a) => a.address)).toEqual(['partner@customer.test']);
      expect(out.parsed.text?.trim()).toBe('It ships tomorrow.');

      const answer = buildMail({
        from: t.contact,
        subject: 'Re: Where is my parcel?',
        inReplyTo: update.externalId,
        references: [t.mail.messageId!, update.externalId],
        body: 'Thanks!',
      });
      await deliver(answer.raw);
      const back = await arrived(answer.messageId!);
      expect(back.conversation_id).toBe(t.conversationId);
    });

    it('does not loop on an auto-reply', async () => {
      const t = await startThread('Auto test');
      const sent = await reply(t.conversationId, 'We look into it.');
      const done = await eventually(async () => ((await status(sent.id)).status === 'sent' ? status(sent.id) : null));
      const count = sink.received.length;
      const auto = buildMail({
        from: t.contact,
        subject: 'Automatic reply: Re: Auto test',
        inReplyTo: done.external_id,
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes' },
        body: 'I am out of office.',
      });
      await deliver(auto.raw);
      const m = await arrived(auto.messageId!);
      expect(m.conversation_id).toBe(t.conversationId);
      expect(m.metadata).toMatchObject({ noise: 'auto-reply', autoReplyAllowed: false });
      const marker = buildMail({ subject: 'after auto' });
      await deliver(marker.raw);
      await arrived(marker.messageId!);
      expect(sink.received.length).toBe(count);
    });

    it('marks the reply failed with the reason when a bounce comes back', async () => {
      const t = await startThread('Bounce test');
      const sent = await reply(t.conversationId, 'This will bounce.');
      const done = await eventually(async () => ((await status(sent.id)).status === 'sent' ? status(sent.id) : null));
      await deliver(buildBounce(done.external_id, t.contact));
      const failed = await socket.waitFor('message.updated', (d) => d.id === sent.id && d.status === 'failed');
      expect(failed.error).toMatch(/^bounced: 550 5\.1\.1 .*User unknown/);
      expect((await db.query(`SELECT count(*)::int AS n FROM contact_identities WHERE address LIKE 'mailer-daemon%'`)).rows[0].n).toBe(0);
    });

    it('fails at once on a permanent SMTP error, naming the reply code but not the server text', async () => {
      const t = await startThread('Permanent');
      sink.failNext(550, 'Mailbox unavailable for policy reasons');
      const sent = await reply(t.conversationId, 'rejected');
      const failed = await socket.waitFor('message.updated', (d) => d.id === sent.id && d.status === 'failed');
      expect(failed.error).toBe('SMTP 550: the server refused the message');
      expect(failed.attempts).toBe(1);
    });

    it('retries a temporary SMTP error and then sends', async () => {
      const t = await startThread('Temporary');
      sink.failNext(451, 'Try again later');
      const sent = await reply(t.conversationId, 'eventually');
      await socket.waitFor('message.updated', (d) => d.id === sent.id && d.status === 'queued' && /451/.test(d.error ?? ''));
      const ok = await socket.waitFor('message.updated', (d) => d.id === sent.id && d.status === 'sent', 30000);
      expect(ok.attempts).toBe(2);
      expect(sink.received.filter((r) => r.parsed.messageId === `<${ok.externalId}>`)).toHaveLength(1);
    });
  });

  // Last: Dovecot slows down every login from 127.0.0.1 for a while after the wrong-password probe.
  describe('test connection', () => {
    const create = async (imap: Record<string, unknown>, smtp: Record<string, unknown> = sink.smtpSettings()) => {
      const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Probe ${uid()}`, channel: 'email', address: `probe-${uid()}@acme.test`, imap, smtp } });
      expect(res.status).toBe(201);
      // Deactivated at once: these probes are not meant to be watched.
      await sut.api('PATCH', `/inboxes/${res.body.id}`, { token: admin, body: { active: false } });
      return res.body.id as string;
    };

    it('reports success for working settings', async () => {
      const res = await sut.api('POST', `/inboxes/${inbox.id}/test-connection`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true, imap: { ok: true }, smtp: { ok: true } });
      expect(res.body.imap.detail).toContain('IDLE');
    });

    it('names a wrong password, an unreachable host and a TLS mismatch', async () => {
      const closed = await freePort();
      const wrongPass = await create({ ...dovecot.imapSettings('support'), password: 'wrong' });
      const unreachable = await create({ ...dovecot.imapSettings('support'), port: closed }, { host: '127.0.0.1', port: closed, secure: false });
      const tls = await create({ ...dovecot.imapSettings('support'), secure: true });
      const [a, b, c] = await Promise.all([wrongPass, unreachable, tls].map((id) => sut.api('POST', `/inboxes/${id}/test-connection`, { token: admin })));
      expect(a.body).toMatchObject({ ok: false, imap: { ok: false, problem: 'auth_failed' }, smtp: { ok: true } });
      expect(a.body.imap.error).toMatch(/authentication failed/);
      expect(b.body).toMatchObject({ ok: false, imap: { ok: false, problem: 'host_unreachable' }, smtp: { ok: false, problem: 'host_unreachable' } });
      expect(c.body.imap.ok).toBe(false);
      expect(['tls_mismatch', 'timeout']).toContain(c.body.imap.problem);
      expect(c.body.imap.error).toMatch(/secure/);
    });

    describe('settings typed in the admin form, before the inbox exists', () => {
      let authSink: SmtpSink;
      beforeAll(async () => {
        authSink = await startSmtpSink({ users: { mailer: 'smtp-pass' } });
      });
      afterAll(async () => authSink?.close());
      const probe = (imapPassword: string, smtpPassword: string) =>
        sut.api('POST', '/inboxes/test-email-connection', {
          token: admin,
          body: { imap: { ...dovecot.imapSettings('support'), password: imapPassword }, smtp: { ...authSink.smtpSettings(), user: 'mailer', password: smtpPassword } },
        });

      it('logs in to IMAP and SMTP with good credentials and stores nothing', async () => {
        const before = (await db.query(`SELECT count(*)::int AS n FROM inboxes`)).rows[0].n;
        const res = await probe(dovecot.users.support, 'smtp-pass');
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ ok: true, imap: { ok: true, code: 'OK' }, smtp: { ok: true, code: 'OK' } });
        expect((await db.query(`SELECT count(*)::int AS n FROM inboxes`)).rows[0].n).toBe(before);
      });

      it('answers AUTH_FAILED per part for a wrong password', async () => {
        const res = await probe('wrong-imap', 'wrong-smtp');
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ ok: false, imap: { ok: false, code: 'AUTH_FAILED' }, smtp: { ok: false, code: 'AUTH_FAILED' } });
        expect(res.body.imap.message).toMatch(/authentication failed/);
        const half = await probe(dovecot.users.support, 'wrong-smtp');
        expect(half.body).toMatchObject({ ok: false, imap: { ok: true }, smtp: { ok: false, code: 'AUTH_FAILED' } });
      });

      it('names a closed port CONNECTION_REFUSED', async () => {
        const closed = await freePort();
        const res = await sut.api('POST', '/inboxes/test-email-connection', {
          token: admin,
          body: { imap: { ...dovecot.imapSettings('support'), port: closed }, smtp: { host: '127.0.0.1', port: closed, secure: false, allowInsecureAuth: true } },
        });
        expect(res.body).toMatchObject({ ok: false, imap: { code: 'CONNECTION_REFUSED' }, smtp: { code: 'CONNECTION_REFUSED' } });
      });

      it('refuses malformed settings with 400 naming the fields, and agents with 403', async () => {
        const bad = await sut.api('POST', '/inboxes/test-email-connection', { token: admin, body: { imap: { host: 'bad host!', port: 0 }, smtp: {} } });
        expect(bad.status).toBe(400);
        expect(Object.keys(bad.body.details.fields)).toEqual(expect.arrayContaining(['imap.host', 'imap.port', 'imap.user', 'smtp.host']));
        await sut.api('POST', '/users', { token: admin, body: { email: 'agent-probe@example.com', name: 'Agent P', password: 'agent-password-1', role: 'agent' } });
        const agent = await sut.login('agent-probe@example.com', 'agent-password-1');
        expect((await sut.api('POST', '/inboxes/test-email-connection', { token: agent, body: {} })).status).toBe(403);
      });
    });

    it('is for admins only, and only for email inboxes', async () => {
      const api = await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api' } });
      const res = await sut.api('POST', `/inboxes/${api.body.id}/test-connection`, { token: admin });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('CHANNEL_NOT_SUPPORTED');
      await sut.api('POST', '/users', { token: admin, body: { email: 'agent-x@example.com', name: 'Agent X', password: 'agent-password-1', role: 'agent' } });
      const agent = await sut.login('agent-x@example.com', 'agent-password-1');
      expect((await sut.api('POST', `/inboxes/${inbox.id}/test-connection`, { token: agent })).status).toBe(403);
      expect((await sut.api('GET', `/inboxes/${inbox.id}/quarantine`, { token: agent })).status).toBe(403);
    });
  });
});
