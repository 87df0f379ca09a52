import { io, Socket } from 'socket.io-client';
import { TestApp, bootApp, eventually, uid } from './helpers/app';
import { SmtpSink, startSmtpSink } from './helpers/smtp-sink';
import { freePort } from './helpers/test-database';

const ORIGIN = 'https://shop.example.com';

/** A visitor who left an email and closed the widget still gets the agent's later replies, by email. */
describe('web chat replies to an offline visitor by email', () => {
  let sut: TestApp;
  let sink: SmtpSink;
  let admin: string;

  beforeAll(async () => {
    sut = await bootApp();
    sink = await startSmtpSink();
    admin = await sut.login();
  });

  afterAll(async () => {
    await sut?.close();
    await sink?.close();
  });

  it('mails replies only while no widget of the visitor is open', async () => {
    // The IMAP side of the linked inbox is unreachable on purpose: only its SMTP sends here.
    const emailInbox = (
      await sut.api('POST', '/inboxes', {
        token: admin,
        body: {
          name: 'Shop mail',
          channel: 'email',
          address: 'help@shop.test',
          imap: { host: '127.0.0.1', port: await freePort(), secure: false, user: 'x', password: 'y' },
          smtp: sink.smtpSettings(),
        },
      })
    ).body;
    expect(emailInbox.id).toBeDefined();
    const refused = await sut.api('POST', '/inboxes', {
      token: admin,
      body: { name: 'Bad link', channel: 'webchat', allowedOrigins: [ORIGIN], widget: { emailInboxId: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(refused.status).toBe(400);
    const chat = (
      await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Shop chat', channel: 'webchat', allowedOrigins: [ORIGIN], widget: { emailInboxId: emailInbox.id } } })
    ).body;

    const socket: Socket = io(`${sut.url}/widget`, {
      auth: { websiteToken: chat.websiteToken },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { origin: ORIGIN },
    });
    await new Promise((resolve, reject) => {
      socket.once('session', resolve);
      socket.once('connect_error', reject);
    });
    const visitorEmail = `visitor-${uid()}@example.com`;
    expect(await socket.timeout(10000).emitWithAck('contact.update', { email: visitorEmail })).toMatchObject({ ok: true });
    expect(await socket.timeout(10000).emitWithAck('message.send', { clientId: uid() + uid(), text: 'Is the blue one in stock?' })).toMatchObject({ ok: true });
    const conversation = await eventually(async () => (await sut.api('GET', `/conversations?inboxId=${chat.id}`, { token: admin })).body.items[0]);

    const reply = async (text: string) => {
      const posted = (await sut.api('POST', `/conversations/${conversation.id}/messages`, { token: admin, body: { text } })).body;
      return eventually(async () => {
        const items = (await sut.api('GET', `/conversations/${conversation.id}/messages`, { token: admin })).body.items;
        return items.find((m: any) => m.id === posted.id && m.status === 'sent');
      });
    };

    await reply('Yes, it is!');
    expect(sink.received).toHaveLength(0); // the widget is open: the chat is enough

    socket.close();
    await reply('We also have it in green, if you like.');
    const mail = await eventually(async () => sink.received.find((m) => m.to.includes(visitorEmail)));
    expect(mail.parsed.text).toContain('We also have it in green');
    expect(mail.parsed.from?.value[0].address).toBe('help@shop.test');
    expect(sink.received).toHaveLength(1);
  });
});
