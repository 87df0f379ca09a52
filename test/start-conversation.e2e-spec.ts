import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { startDovecot, TestDovecot } from './helpers/dovecot';
import { startSmtpSink, SmtpSink } from './helpers/smtp-sink';
import { buildMail } from './helpers/mail-factory';

/** POST /conversations: an agent writes to a customer first, over real SMTP, and the answer threads back over real IMAP. */
describe('conversations started by the business', () => {
  let sut: TestApp;
  let admin: string;
  let dovecot: TestDovecot;
  let sink: SmtpSink;
  let db: Client;
  let inbox: { id: string };
  let agent: { id: string; token: string };
  const ADDRESS = 'sales@acme.test';

  beforeAll(async () => {
    [dovecot, sink] = await Promise.all([startDovecot({ sales: 'sales-pass' }), startSmtpSink()]);
    ({ sut, admin, db } = await bootFixture());
    inbox = (
      await sut.api('POST', '/inboxes', {
        token: admin,
        body: { name: 'Sales', channel: 'email', address: ADDRESS, imap: dovecot.imapSettings('sales'), smtp: sink.smtpSettings() },
      })
    ).body;
    const email = `sam-${uid()}@example.com`;
    const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Sam Sales', password: 'agent-password', role: 'agent', capacity: { email: 10 } } })).body;
    await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
    agent = { id: user.id, token: await sut.login(email, 'agent-password') };
  });

  afterAll(async () => {
    await sut?.close();
    await Promise.all([dovecot?.close(), sink?.close()]);
  });

  it('emails a new customer, assigns the conversation to the agent, and threads the reply into it', async () => {
    const res = await sut.api('POST', '/conversations', {
      token: agent.token,
      body: {
        inboxId: inbox.id,
        contact: { identifier: 'Dana@Customer.test', name: 'Dana' },
        subject: 'Your order 42',
        text: 'Hello Dana, your order 42 is ready. Shall we ship it?',
      },
    });
    expect(res.status).toBe(201);
    const { conversation, message } = res.body;
    expect(conversation).toMatchObject({ inboxId: inbox.id, channel: 'email', status: 'open', subject: 'Your order 42' });
    expect(message).toMatchObject({ direction: 'outbound', authorType: 'user', authorId: agent.id, status: 'queued' });
    const stored = (
      await db.query(`SELECT c.assignee_id, i.address FROM conversations c JOIN contact_identities i ON i.id = c.contact_identity_id WHERE c.id = $1`, [conversation.id])
    ).rows[0];
    expect(stored).toEqual({ assignee_id: agent.id, address: 'dana@customer.test' });

    const mail = await eventually(async () => sink.received.find((m) => m.to.includes('dana@customer.test')), 20000, 'mail at the SMTP sink');
    expect(mail.parsed.subject).toBe('Your order 42');
    expect(mail.parsed.inReplyTo).toBeUndefined();
    expect(mail.parsed.text).toContain('your order 42 is ready');
    expect(mail.parsed.from?.value[0].address).toBe(ADDRESS);
    await eventually(async () => (await db.query(`SELECT status FROM messages WHERE id = $1`, [message.id])).rows[0].status === 'sent', 20000, 'sent');

    const reply = buildMail({
      from: 'Dana <dana@customer.test>',
      to: ADDRESS,
      subject: 'Re: Your order 42',
      inReplyTo: mail.parsed.messageId!.replace(/[<>]/g, ''),
      body: 'Yes please, ship it.',
    });
    await dovecot.append('sales', [reply.raw]);
    const answered = await eventually(
      async () => (await db.query(`SELECT conversation_id FROM messages WHERE external_id = $1`, [reply.messageId])).rows[0],
      20000,
      'reply ingested',
    );
    expect(answered.conversation_id).toBe(conversation.id);
  });

  it('lets a bot post a new email through the inbox, as the bot, and refuses bots of other inboxes and agents', async () => {
    const bot = (await sut.api('POST', '/bots', { token: admin, body: { name: 'Order bot', inboxIds: [inbox.id] } })).body;
    const other = (await sut.api('POST', '/bots', { token: admin, body: { name: 'Elsewhere', inboxIds: [] } })).body;
    const res = await sut.api('POST', `/inboxes/${inbox.id}/messages`, {
      token: bot.token,
      body: { target: 'eve@customer.test', subject: 'Your parcel left', text: 'It is on its way.' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ conversationCreated: true, message: { authorType: 'bot', authorId: bot.id } });
    const conv = (await sut.api('GET', `/conversations/${res.body.conversationId}`, { token: admin })).body;
    expect(conv).toMatchObject({ status: 'bot', assigneeId: null, subject: 'Your parcel left' });
    const mail = await eventually(async () => sink.received.find((m) => m.to.includes('eve@customer.test')), 20000, 'bot mail');
    expect(mail.parsed.from?.value[0]).toMatchObject({ address: ADDRESS, name: expect.stringContaining('Order bot') });
    expect((await sut.api('POST', `/inboxes/${inbox.id}/messages`, { token: other.token, body: { target: 'x@customer.test', subject: 's', text: 'hi' } })).status).toBe(403);
    expect((await sut.api('POST', `/inboxes/${inbox.id}/messages`, { token: agent.token, body: { target: 'x@customer.test', subject: 's', text: 'hi' } })).status).toBe(403);
  });

  it('refuses what cannot be sent with a field, and a non-member with 403', async () => {
    const noSubject = await sut.api('POST', '/conversations', { token: agent.token, body: { inboxId: inbox.id, contact: { identifier: 'x@customer.test' }, text: 'hi' } });
    expect(noSubject.status).toBe(400);
    expect(noSubject.body.details.fields).toHaveProperty('subject');
    const notEmail = await sut.api('POST', '/conversations', {
      token: agent.token,
      body: { inboxId: inbox.id, contact: { identifier: 'not an address' }, subject: 's', text: 'hi' },
    });
    expect(notEmail.body.details.fields).toHaveProperty(['contact.identifier']);
    const email = `out-${uid()}@example.com`;
    await sut.api('POST', '/users', { token: admin, body: { email, name: 'Outsider', password: 'agent-password', role: 'agent' } });
    const outsider = await sut.api('POST', '/conversations', {
      token: await sut.login(email, 'agent-password'),
      body: { inboxId: inbox.id, contact: { identifier: 'y@customer.test' }, subject: 's', text: 'hi' },
    });
    expect(outsider.status).toBe(403);
    const webchat = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Chat ${uid()}`, channel: 'webchat', allowedOrigins: ['https://shop.example.com'] } })).body;
    const unsupported = await sut.api('POST', '/conversations', { token: admin, body: { inboxId: webchat.id, contact: { identifier: 'v-1' }, text: 'hi' } });
    expect(unsupported.body.code).toBe('CHANNEL_NOT_SUPPORTED');
  });
});
