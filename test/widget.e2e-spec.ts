import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createServer, Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect as tcpConnect, Server as TcpServer, Socket as TcpSocket } from 'node:net';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A plain HTML page of "the customer's website", on its own origin, embedding the widget snippet. */
async function startHostSite(snippet: () => string): Promise<{ origin: string; server: HttpServer }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>Shop ${req.url}</title><style>* { color: red !important; font-size: 40px !important } button { display: none !important }</style></head>
      <body><h1>Welcome to the shop (${req.url})</h1>${snippet()}</body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A TCP hop between browser and server that a test can cut, to force a real disconnect. */
async function startCuttableProxy(targetPort: number) {
  const open = new Set<TcpSocket>();
  let cut = false;
  const server: TcpServer = createTcpServer((client) => {
    if (cut) return client.destroy();
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      cut = true;
      for (const s of open) s.destroy();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

const widget = (page: Page) => ({
  launcher: page.locator('[data-inbox-widget] .launcher'),
  input: page.locator('[data-inbox-widget] .composer textarea'),
  bubbles: page.locator('[data-inbox-widget] ol li:not(.greeting)'),
  notice: page.locator('[data-inbox-widget] .notice'),
  typing: page.locator('[data-inbox-widget] .typing'),
  offlineEmail: page.locator('[data-inbox-widget] form.offline input'),
});

describe('web chat widget in a real browser', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let browser: Browser;
  let site: { origin: string; server: HttpServer };
  let foreign: { origin: string; server: HttpServer };
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  let inbox: { id: string; websiteToken: string; hmacSecret: string };
  let agent: { id: string; token: string; name: string };
  let agentSocket: RecordingSocket;
  const contexts: BrowserContext[] = [];
  /** What the host page embeds: the snippet the admin copies, with knobs per test. */
  let snippetAttrs = '';
  let scriptBase = '';

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [resolve('node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/widget/vite.config.mts'], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`widget build failed: ${build.stderr}`);
    ({ sut, admin, db } = await bootFixture());
    scriptBase = sut.url;
    site = await startHostSite(() => `<script src="${scriptBase}/api/v1/widget/widget.js" data-website-token="${inbox.websiteToken}" ${snippetAttrs} async></script>`);
    foreign = await startHostSite(() => `<script src="${sut.url}/api/v1/widget/widget.js" data-website-token="${inbox.websiteToken}" async></script>`);
    proxy = await startCuttableProxy(Number(new URL(sut.url).port));

    const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Web ${uid()}` } })).body;
    const created = await sut.api('POST', '/inboxes', {
      token: admin,
      body: { name: 'Website', channel: 'webchat', teamId: team.id, allowedOrigins: [site.origin], widget: { color: '#0a7d4f', title: 'Shop support' } },
    });
    expect(created.status).toBe(201);
    inbox = created.body;
    const email = `ana-${uid()}@example.com`;
    const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ana Agent', password: 'agent-password', role: 'agent', capacity: { webchat: 10 } } })).body;
    await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: user.id } });
    await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
    agent = { id: user.id, name: 'Ana Agent', token: await sut.login(email, 'agent-password') };
    agentSocket = await connectSocket(sut.url, agent.token);
    await eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [agent.id])).rows[0]?.presence === 'online');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterEach(async () => {
    while (contexts.length) await contexts.pop()!.close();
    snippetAttrs = '';
    scriptBase = sut.url;
  });

  afterAll(async () => {
    agentSocket?.close();
    await browser?.close();
    await proxy?.close();
    for (const s of [site, foreign]) if (s) await new Promise((r) => s.server.close(r));
    await sut?.close();
  });

  async function visit(path = '/', context?: BrowserContext): Promise<Page> {
    const ctx = context ?? (await browser.newContext({ locale: 'en-US' }));
    if (!context) contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`${site.origin}${path}`);
    return page;
  }

  const inboundTexts = async (conversationId: string) =>
    (await db.query(`SELECT text FROM messages WHERE conversation_id = $1 AND direction = 'inbound' ORDER BY created_at`, [conversationId])).rows.map((r) => r.text);

  it('the visitor writes, routing assigns the agent, the agent types and replies, and the visitor sees both live; reload and another page keep the history', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    contexts.push(context);
    const page = await visit('/', context);
    const w = widget(page);
    await w.launcher.click();
    await w.input.fill('Hello, where is my order?');
    await w.input.press('Enter');

    const assigned = await agentSocket.waitFor('conversation.assigned', (d) => d.agentId === agent.id);
    const conversationId = assigned.conversationId;
    await agentSocket.waitFor('message.created', (d) => d.conversationId === conversationId && d.text === 'Hello, where is my order?');
    const conv = (await sut.api('GET', `/conversations/${conversationId}`, { token: agent.token })).body;
    expect(conv).toMatchObject({ inboxId: inbox.id, channel: 'webchat', assigneeId: agent.id });

    // The visitor typing reaches the agent who opened the conversation.
    expect(await agentSocket.emit('conversation.join', { conversationId })).toEqual({ ok: true });
    await w.input.pressSequentially('one more');
    await agentSocket.waitFor('typing', (d) => d.conversationId === conversationId && d.typing === true);

    // And the agent typing reaches the visitor.
    await agentSocket.emit('typing', { conversationId, typing: true });
    await w.typing.filter({ hasText: 'Ana Agent is typing' }).waitFor();

    const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: agent.token, body: { text: 'It ships tomorrow.' } });
    expect(reply.status).toBe(201);
    await sut.api('POST', `/conversations/${conversationId}/messages`, { token: agent.token, body: { text: 'internal: check the warehouse', private: true } });
    await w.bubbles.filter({ hasText: 'It ships tomorrow.' }).filter({ hasText: 'Ana Agent' }).waitFor();
    // Read receipt: the panel is open, so the reply becomes read for the agent.
    await eventually(async () => (await db.query(`SELECT status FROM messages WHERE id = $1`, [reply.body.id])).rows[0].status === 'read', 15000, 'reply marked read');
    await agentSocket.waitFor('message.updated', (d) => d.id === reply.body.id && d.status === 'read');

    for (const p of [page, await visit('/pricing', context)]) {
      if (p === page) await p.reload();
      const again = widget(p);
      await again.launcher.click();
      await again.bubbles.filter({ hasText: 'It ships tomorrow.' }).waitFor();
      await again.bubbles.filter({ hasText: 'Hello, where is my order?' }).waitFor();
      expect(await again.bubbles.filter({ hasText: 'internal: check the warehouse' }).count()).toBe(0);
    }
    expect(await inboundTexts(conversationId)).toEqual(['Hello, where is my order?']);
  });

  it('shields the widget from the host page CSS (shadow DOM)', async () => {
    const page = await visit('/');
    const w = widget(page);
    await w.launcher.waitFor();
    // The host hides every button and paints all text red at 40px; the widget's own styles still apply.
    expect(await w.launcher.isVisible()).toBe(true);
    await w.launcher.click();
    const fontSize = await w.input.evaluate((e) => getComputedStyle(e).fontSize);
    expect(fontSize).toBe('14px');
  });

  it('refuses a page on an origin the inbox does not allow', async () => {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(foreign.origin);
    const w = widget(page);
    await w.launcher.click();
    await w.notice.filter({ hasText: 'Chat is not available on this website.' }).waitFor();
    expect(await w.input.isVisible()).toBe(false);
    const rest = await fetch(`${sut.url}/api/v1/widget/${inbox.websiteToken}/config`, { headers: { origin: foreign.origin } });
    expect(rest.status).toBe(403);
    expect((await rest.json()).code).toBe('FORBIDDEN');
    const preflight = await fetch(`${sut.url}/api/v1/widget/${inbox.websiteToken}/messages`, {
      method: 'OPTIONS',
      headers: { origin: foreign.origin, 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(403);
  });

  it('refuses a forged identity HMAC, and a verified identifier becomes the contact', async () => {
    snippetAttrs = `data-identifier="customer-42" data-identifier-hash="${'ab'.repeat(32)}"`;
    const forged = await visit('/');
    await widget(forged).launcher.click();
    await widget(forged).notice.filter({ hasText: 'Chat is not available on this website.' }).waitFor();

    snippetAttrs = `data-identifier="customer-42" data-identifier-hash="${createHmac('sha256', inbox.hmacSecret).update('customer-42').digest('hex')}"`;
    const page = await visit('/');
    const w = widget(page);
    await w.launcher.click();
    await w.input.fill('I am logged in');
    await w.input.press('Enter');
    const conv = await eventually(
      async () =>
        (
          await db.query(
            `SELECT c.id FROM conversations c JOIN contact_identities i ON i.contact_id = c.contact_id WHERE c.inbox_id = $1 AND i.channel = 'webchat' AND i.address = 'customer-42'`,
            [inbox.id],
          )
        ).rows[0],
    );
    expect(await inboundTexts(conv.id)).toEqual(['I am logged in']);
    // The same customer in another browser sees the same conversation.
    const other = await visit('/');
    await widget(other).launcher.click();
    await widget(other).bubbles.filter({ hasText: 'I am logged in' }).waitFor();
  });

  it('queues messages typed during a forced disconnect and delivers each exactly once', async () => {
    scriptBase = proxy.url;
    const page = await visit('/');
    const w = widget(page);
    await w.launcher.click();
    await w.input.fill('before the cut');
    await w.input.press('Enter');
    await w.bubbles.filter({ hasText: 'before the cut' }).filter({ hasText: 'Sent' }).waitFor();
    const conversationId = (await db.query(`SELECT conversation_id FROM messages WHERE text = 'before the cut'`)).rows[0].conversation_id;

    proxy.cut();
    await w.notice.filter({ hasText: 'Reconnecting' }).waitFor();
    for (const text of ['first while offline', 'second while offline', 'third while offline']) {
      await w.input.fill(text);
      await w.input.press('Enter');
    }
    await w.bubbles.filter({ hasText: 'third while offline' }).filter({ hasText: 'Sending' }).waitFor();
    expect(await inboundTexts(conversationId)).toEqual(['before the cut']);

    proxy.restore();
    await eventually(async () => (await inboundTexts(conversationId)).length === 4, 30000, 'queued messages delivered');
    await w.bubbles.filter({ hasText: 'third while offline' }).filter({ hasText: 'Sent' }).waitFor({ timeout: 30000 });
    expect(await inboundTexts(conversationId)).toEqual(['before the cut', 'first while offline', 'second while offline', 'third while offline']);
    expect(await w.bubbles.count()).toBe(4);
  });

  it('says so outside business hours and collects an email', async () => {
    const closed = (
      await sut.api('POST', '/inboxes', {
        token: admin,
        body: {
          name: 'After hours',
          channel: 'webchat',
          allowedOrigins: [site.origin],
          widget: { businessHours: { timezone: 'UTC', days: {} }, offlineMessage: 'We are closed. Leave your email.' },
        },
      })
    ).body;
    const real = inbox;
    inbox = closed;
    try {
      const page = await visit('/');
      const w = widget(page);
      await w.launcher.click();
      await page.locator('[data-inbox-widget] header').filter({ hasText: 'We are away right now' }).waitFor();
      await page.locator('[data-inbox-widget] form.offline').filter({ hasText: 'We are closed. Leave your email.' }).waitFor();
      await w.offlineEmail.fill('visitor@example.org');
      await w.offlineEmail.press('Enter');
      await w.notice.filter({ hasText: 'visitor@example.org' }).waitFor();
      await w.input.fill('Please call me back');
      await w.input.press('Enter');
      const contact = await eventually(
        async () => (await db.query(`SELECT ct.email FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.inbox_id = $1`, [closed.id])).rows[0],
      );
      expect(contact.email).toBe('visitor@example.org');
    } finally {
      inbox = real;
    }
  });

  it('follows the browser language', async () => {
    const ctx = await browser.newContext({ locale: 'uk-UA' });
    contexts.push(ctx);
    const page = await visit('/', ctx);
    await expect(widget(page).launcher.getAttribute('aria-label')).resolves.toBe('Відкрити чат');
  });
});
