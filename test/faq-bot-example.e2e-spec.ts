import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { freePort } from './helpers/dovecot';
import { RecordingSocket, connectSocket } from './helpers/sockets';

/**
 * The README's worked example, run as written: examples/faq-bot/faq-bot.mjs in its own process,
 * set up through the API only, answering a web chat customer and handing the hard question to a team.
 */
describe('the FAQ bot of the README', () => {
  const ORIGIN = 'https://shop.example.com';
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let bot: ChildProcess | null = null;
  let agentSocket: RecordingSocket | null = null;
  let visitor: Socket | null = null;

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture({ PRESENCE_GRACE_SECONDS: '0' }));
  });

  afterAll(async () => {
    visitor?.close();
    agentSocket?.close();
    bot?.kill();
    await sut?.close();
  });

  it('answers what it knows and hands the rest to the team, where an online agent gets it', async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await sut.api(method, path, { token: admin, body });
      expect(res.status).toBeLessThan(300);
      return res.body;
    };
    const team = await call('POST', '/teams', { name: `Support ${uid()}` });
    const inbox = await call('POST', '/inboxes', { name: 'Website', channel: 'webchat', allowedOrigins: [ORIGIN], teamId: team.id });
    const port = await freePort();
    const created = await call('POST', '/bots', { name: 'FAQ bot', inboxIds: [inbox.id], webhookUrl: `http://127.0.0.1:${port}/hook`, events: ['message.created'] });
    await call('PUT', `/inboxes/${inbox.id}/bot`, { botId: created.id, handoffMessage: 'Let me get a colleague for you.' });
    const email = `ana-${uid()}@example.com`;
    const agent = await call('POST', '/users', { email, name: 'Ana', password: 'agent-password', role: 'agent', capacity: { webchat: 5 } });
    await call('POST', `/teams/${team.id}/members`, { userId: agent.id });
    await call('POST', `/inboxes/${inbox.id}/members`, { userId: agent.id });
    agentSocket = await connectSocket(sut.url, await sut.login(email, 'agent-password'));

    bot = spawn(process.execPath, [resolve('examples/faq-bot/faq-bot.mjs')], {
      env: { ...process.env, INBOX_URL: sut.url, BOT_TOKEN: created.token, WEBHOOK_SECRET: created.webhookSecret, HANDOFF_TEAM_ID: team.id, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    bot.stdout!.on('data', (c) => (output += c));
    bot.stderr!.on('data', (c) => (output += c));
    await eventually(async () => output.includes('FAQ bot listening'), 15000, 'the bot to listen');

    visitor = io(`${sut.url}/widget`, {
      auth: { websiteToken: inbox.websiteToken },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { origin: ORIGIN },
    });
    const seen: Array<{ event: string; payload: any }> = [];
    visitor.onAny((event, payload) => seen.push({ event, payload }));
    await new Promise((ok, fail) => (visitor!.once('session', ok), visitor!.once('connect_error', fail)));
    const say = (text: string) => visitor!.timeout(10000).emitWithAck('message.send', { clientId: uid() + uid(), text });
    const fromBot = (text: string) => seen.find((e) => e.event === 'message.created' && e.payload.author?.type === 'bot' && e.payload.text === text);

    const first = await say('What are your opening hours?');
    await eventually(async () => fromBot('We are open Monday to Friday, 9:00 to 18:00.'), 20000, `the bot's answer (bot output: ${output})`);
    const conversationId = (await db.query(`SELECT conversation_id FROM messages WHERE id = $1`, [first.message.id])).rows[0].conversation_id;
    expect((await db.query(`SELECT status FROM conversations WHERE id = $1`, [conversationId])).rows[0].status).toBe('bot');

    await say('My invoice shows the wrong VAT number');
    const assigned = await agentSocket.waitFor('conversation.assigned', (e) => e.conversationId === conversationId && e.agentId === agent.id, 20000);
    expect(assigned.teamId).toBe(team.id);
    await eventually(async () => seen.find((e) => e.event === 'message.created' && e.payload.text === 'Let me get a colleague for you.'));
    const notes = (await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin })).body.items.filter((m: { kind: string }) => m.kind === 'note');
    expect(notes.map((m: { text: string }) => m.text)).toEqual(['The bot had no answer to: "My invoice shows the wrong VAT number"']);
  });
});
