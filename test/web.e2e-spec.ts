import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, TestApp, bootApp, eventually, uid } from './helpers/app';
import { startWebhookReceiver } from './helpers/webhook-receiver';
import { en } from '../apps/web/src/i18n/locales/en';
import { fr } from '../apps/web/src/i18n/locales/fr';
import { it as itLocale } from '../apps/web/src/i18n/locales/it';
import { es } from '../apps/web/src/i18n/locales/es';
import { uk } from '../apps/web/src/i18n/locales/uk';
import { buildWebApp } from './helpers/web-build';
import { RealtimeGateway } from '../apps/server/src/realtime/realtime.gateway';

const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'web');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The agent inbox and coordinator console in Debian's Chromium, against the real server and database. */
describe('web app in a real browser', () => {
  let sut: TestApp;
  let admin: string;
  let browser: Browser;
  let webDir: string;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let team: { id: string; name: string };
  let inbox: { id: string; token: string };
  const password = 'agent-password';
  const people: Record<'ana' | 'ben' | 'cora', { id: string; email: string; name: string }> = {} as never;

  beforeAll(async () => {
    webDir = buildWebApp();
    mkdirSync(ARTIFACTS, { recursive: true });
    hook = await startWebhookReceiver();
    sut = await bootApp();
    admin = await sut.login();
    team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Support ${uid()}` } })).body;
    inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Shop API', channel: 'api', teamId: team.id, webhookUrl: hook.url } })).body;
    const make = async (key: 'ana' | 'ben' | 'cora', name: string, role: string) => {
      const email = `${key}-${uid()}@example.com`;
      const user = (await sut.api('POST', '/users', { token: admin, body: { email, name, password, role, capacity: { api: 5, email: 5 }, languages: ['en', 'fr'] } })).body;
      expect(user.id).toBeDefined();
      if (role === 'agent') {
        await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: user.id } });
        await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
      }
      people[key] = { id: user.id, email, name };
    };
    await make('ana', 'Ana Agent', 'agent');
    await make('ben', 'Ben Agent', 'agent');
    await make('cora', 'Cora Coordinator', 'coordinator');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterEach(() => {
    // An uncaught error in the app is a failure even when the screen happened to look right.
    const errors = pageErrors.splice(0);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await sut?.close();
    await hook?.close();
    delete process.env.WEB_DIST_DIR;
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  async function openAs(person: { email: string; password?: string }, opts: { language?: string; path?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    contexts.push(context);
    if (opts.language) await context.addInitScript((lng) => localStorage.setItem('i18nextLng', lng), opts.language);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${person.email}: ${err.message} ${process.env.WEB_DEBUG ? err.stack : ''}`));
    await page.goto(sut.url + (opts.path ?? '/'));
    await page.fill('input[name=email]', person.email);
    await page.fill('input[name=password]', person.password ?? password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=connection].on');
    return page;
  }

  const ingest = async (body: Record<string, unknown>) =>
    (
      await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
        token: inbox.token,
        body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name: 'Chloé Client' }, text: 'hello', ...body },
      })
    ).body as { conversationId: string };

  const row = (page: Page, conversationId: string) => page.locator(`[data-testid=conversation-row][data-conversation-id="${conversationId}"]`);

  let conversationId: string;
  let anaPage: Page;

  it('an agent receives a conversation live and replies; the reply is sent', async () => {
    anaPage = await openAs(people.ana);
    await eventually(
      async () => (await sut.api('GET', '/routing/stats', { token: admin })).body.agents.some((a: any) => a.agentId === people.ana.id && a.presence === 'online'),
      15000,
      'Ana online',
    );
    ({ conversationId } = await ingest({ text: 'My parcel never arrived', contact: { identifier: `c-${uid()}`, name: 'Chloé Client' } }));
    await row(anaPage, conversationId).waitFor();
    await anaPage.screenshot({ path: join(ARTIFACTS, 'inbox.png') });
    await row(anaPage, conversationId).click();
    await anaPage.locator('[data-testid=message][data-direction=inbound]', { hasText: 'My parcel never arrived' }).waitFor();
    await anaPage.locator('[data-testid=activity]', { hasText: 'Ana Agent' }).first().waitFor();
    await anaPage.fill('[data-testid=composer-text]', 'Sorry! A new one ships today.');
    await anaPage.press('[data-testid=composer-text]', 'Control+Enter');
    const reply = anaPage.locator('[data-testid=message][data-direction=outbound][data-kind=message]', { hasText: 'A new one ships today' });
    await reply.and(anaPage.locator('[data-status=sent]')).waitFor();
    expect(hook.received.some((h) => h.json?.message?.text === 'Sorry! A new one ships today.')).toBe(true);
    await anaPage.screenshot({ path: join(ARTIFACTS, 'conversation.png') });
  });

  it('a coordinator reassigns it: it leaves agent A and appears for agent B, both pages open', async () => {
    const benPage = await openAs(people.ben);
    const coraPage = await openAs(people.cora, { path: '/console' });
    await coraPage.goto(sut.url + '/console');
    const card = coraPage.locator(`[data-testid=console-conversation][data-conversation-id="${conversationId}"]`);
    await card.waitFor();
    await eventually(async () => (await card.locator('[data-testid=assign-picker] option', { hasText: 'Ben Agent' }).count()) > 0, 15000, 'Ben on the board');
    await coraPage.screenshot({ path: join(ARTIFACTS, 'console.png') });
    await card.locator('[data-testid=assign-picker]').selectOption({ label: (await card.locator('[data-testid=assign-picker] option', { hasText: 'Ben Agent' }).textContent())! });
    await row(benPage, conversationId).waitFor();
    await row(anaPage, conversationId).waitFor({ state: 'detached' });
    await coraPage.locator(`[data-testid=agent-card][data-agent-id="${people.ben.id}"] [data-conversation-id="${conversationId}"]`).waitFor();
    await row(benPage, conversationId).click();
    await benPage.locator('[data-testid=routing-reason]').waitFor();
    await benPage.locator('[data-testid=activity]', { hasText: 'Ben Agent' }).first().waitFor();
  });

  it('shows a hostile HTML email without running anything', async () => {
    const page = anaPage;
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const html = `<p id="greeting">Hello from a stranger</p>
      <script>window.top.__pwned = 'script'; alert('script')</script>
      <img src="x" onerror="window.top.__pwned='onerror'; alert('onerror')">
      <a id="bad" href="javascript:window.top.__pwned='link'">click me</a>
      <img src="https://tracker.invalid/pixel.gif">
      <iframe src="javascript:alert('frame')"></iframe>`;
    const { conversationId: id } = await ingest({ text: 'Hello from a stranger', html, threadKey: `hostile-${uid()}` });
    await row(page, id).click();
    const frame = page.frameLocator('[data-testid=email-frame]');
    await frame.locator('p', { hasText: 'Hello from a stranger' }).waitFor();
    const link = frame.locator('a', { hasText: 'click me' });
    await link.click();
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await frame.locator('script').count()).toBe(0);
    expect(await link.getAttribute('href')).toBeNull();
    expect(await frame.locator('[onerror], [onclick]').count()).toBe(0);
    const sandbox = await page.locator('[data-testid=email-frame]').getAttribute('sandbox');
    expect(sandbox).not.toContain('allow-scripts');
    expect(await frame.locator('img[src*="tracker.invalid"]').count()).toBe(0);
  });

  it('an offer shows a countdown; accepting opens the conversation, assigned to me', async () => {
    const offerTeam = (await sut.api('POST', '/teams', { token: admin, body: { name: `Offers ${uid()}`, offerTimeoutSeconds: 120 } })).body;
    const offerInbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Offers API', channel: 'api', teamId: offerTeam.id } })).body;
    const email = `eva-${uid()}@example.com`;
    const eva = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Eva Agent', password, role: 'agent', capacity: { api: 3 } } })).body;
    await sut.api('POST', `/teams/${offerTeam.id}/members`, { token: admin, body: { userId: eva.id } });
    await sut.api('POST', `/inboxes/${offerInbox.id}/members`, { token: admin, body: { userId: eva.id } });
    const page = await openAs({ email });
    await eventually(
      async () => (await sut.api('GET', '/routing/stats', { token: admin })).body.agents.some((a: any) => a.agentId === eva.id && a.presence === 'online'),
      15000,
      'Eva online',
    );
    const pushed = (
      await sut.api('POST', `/inboxes/${offerInbox.id}/incoming`, {
        token: offerInbox.token,
        body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name: 'Omar Offer' }, text: 'anyone there?' },
      })
    ).body;
    const offer = page.locator('[data-testid=offer]', { hasText: 'Omar Offer' });
    await offer.waitFor();
    expect(await offer.locator('.countdown').textContent()).toMatch(/\d+ s left/);
    await offer.getByRole('button', { name: 'Accept' }).click();
    await page.locator(`[data-testid=conversation-view][data-conversation-id="${pushed.conversationId}"]`).waitFor();
    await offer.waitFor({ state: 'detached' });
    await page.locator('[data-testid=assignee]', { hasText: 'Eva Agent' }).waitFor();
    await row(page, pushed.conversationId).waitFor();
    await page.context().close();
  });

  it('the presence switch sets away, and the choice survives a reload', async () => {
    const page = await openAs(people.ben);
    const presenceOf = async () => (await sut.api('GET', '/routing/stats', { token: admin })).body.agents.find((a: any) => a.agentId === people.ben.id)?.presence;
    await page.selectOption('[data-testid=presence]', 'away');
    // Reloaded at once, before the server's answer: the choice is kept before it is sent, so the
    // new page re-asserts 'away' (it used to re-assert the old choice when the answer was late).
    await page.reload();
    await page.waitForSelector('[data-testid=connection].on');
    expect(await page.inputValue('[data-testid=presence]')).toBe('away');
    await eventually(async () => (await presenceOf()) === 'away', 15000, 'Ben away after the reload');
    await page.selectOption('[data-testid=presence]', 'online');
    await eventually(async () => (await presenceOf()) === 'online', 15000, 'Ben online again');
    await page.context().close();
  });

  it('an admin creates an agent and an API inbox from the admin screens', async () => {
    const page = await openAs(ADMIN, { path: '/admin/users' });
    await page.goto(sut.url + '/admin/users');
    const email = `dora-${uid()}@example.com`;
    const form = page.locator('[data-testid=user-form]');
    await form.locator('input[name=user-email]').fill(email);
    await form.locator('input[name=user-name]').fill('Dora New');
    await form.locator('input[name=user-password]').fill('dora-password');
    await form.locator('select[name=user-role]').selectOption('agent');
    await form.locator('input[name=user-languages]').fill('fr, it');
    await form.locator('button[type=submit]').click();
    await page.locator('table td', { hasText: email }).waitFor();
    const users = (await sut.api('GET', '/users', { token: admin })).body as Array<{ email: string; role: string; languages: string[] }>;
    expect(users.find((u) => u.email === email)).toMatchObject({ role: 'agent', languages: ['fr', 'it'] });

    await page.goto(sut.url + '/admin/inboxes');
    const inboxForm = page.locator('[data-testid=inbox-form]');
    await inboxForm.locator('input[name=inbox-name]').fill('Website API');
    await inboxForm.locator('select[name=inbox-channel]').selectOption('api');
    await inboxForm.locator('button[type=submit]').click();
    const token = (await page.locator('[data-testid=inbox-token]').textContent())!;
    const id = (await page.locator('[data-testid=inbox-id]').textContent())!;
    expect(token).toMatch(/^inb_/);
    // The token shown once really works for pushing messages in.
    const pushed = await sut.api('POST', `/inboxes/${id}/incoming`, { token, body: { externalId: uid(), contact: { identifier: 'web-1' }, text: 'hi' } });
    expect(pushed.status).toBe(201);
  });

  it('uses a canned response by /shortcut and adds a private note', async () => {
    const created = await sut.api('POST', '/canned-responses', { token: admin, body: { shortcut: 'ship', title: 'Shipping times', text: 'Parcels ship within 24 hours.' } });
    expect(created.status).toBe(201);
    // From the inbox's "All" list: the row is there at once, whoever routing gives it to (Ana may be at capacity by now).
    await anaPage.click('[data-testid=tab-all]');
    const { conversationId } = await ingest({ text: 'When will it ship?' });
    await row(anaPage, conversationId).click();
    // The composer of the conversation just opened: until its view renders, the previous one's is
    // still on screen, and text typed there is gone when the view switches.
    await anaPage.fill(`[data-testid=conversation-view][data-conversation-id="${conversationId}"] [data-testid=composer-text]`, 'Hello! /sh');
    await anaPage.locator('.canned-menu li', { hasText: 'Shipping times' }).waitFor();
    await anaPage.press('[data-testid=composer-text]', 'Enter');
    expect(await anaPage.inputValue('[data-testid=composer-text]')).toBe('Hello! Parcels ship within 24 hours.');
    await anaPage.click('[data-testid=mode-note]');
    await anaPage.fill('[data-testid=composer-text]', 'Customer is a VIP');
    await anaPage.click('[data-testid=send]');
    await anaPage.locator('[data-testid=message][data-kind=note]', { hasText: 'Customer is a VIP' }).waitFor();
  });

  it("an open page follows the user's rights: a membership change reconnects it, signing out everywhere returns it to the login page", async () => {
    const page = await openAs(people.ben);
    // ACCESS_CHANGED closes the page's socket twice here; the page reconnects by itself with the same session,
    // into rooms that follow the new rights: a conversation of the inbox still arrives live.
    expect((await sut.api('DELETE', `/inboxes/${inbox.id}/members/${people.ben.id}`, { token: admin })).status).toBe(204);
    expect((await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: people.ben.id } })).status).toBe(201);
    await page.waitForSelector('[data-testid=connection].on');
    await page.click('[data-testid=tab-all]');
    const { conversationId: fresh } = await ingest({ text: 'after the membership change' });
    await row(page, fresh).waitFor();

    expect((await sut.api('POST', `/users/${people.ben.id}/sessions/end`, { token: admin })).status).toBe(204);
    // SESSION_REVOKED: the reconnect is refused and the page asks to log in again.
    await page.waitForSelector('input[name=password]');
    await page.context().close();
  });

  it('a page back from a dropped connection shows what happened meanwhile, from the outbox', async () => {
    const page = await openAs(people.cora);
    await page.click('[data-testid=tab-all]');
    const contact = { identifier: `c-${uid()}`, name: 'Chloé Client' };
    const { conversationId } = await ingest({ text: 'before the drop', contact });
    await row(page, conversationId).filter({ hasText: 'before the drop' }).waitFor();
    // The network drops under the page: the server closes its transport, and the client comes back by itself.
    const io = sut.server.app.get(RealtimeGateway).io;
    const coras = () => [...io.sockets.sockets.values()].filter((s) => s.data.principal?.type === 'user' && s.data.principal.id === people.cora.id);
    expect(coras().length).toBeGreaterThan(0);
    for (const s of coras()) s.conn.close();
    await page.waitForSelector('[data-testid=connection].off');
    // Meanwhile the customer writes again: nothing else about this conversation happens after it.
    expect((await ingest({ text: 'while the page was away', contact })).conversationId).toBe(conversationId);
    // Its events went out while the page had no socket (the client waits at least half a second before it reconnects).
    expect(coras()).toEqual([]);
    await page.waitForSelector('[data-testid=connection].on');
    await row(page, conversationId).filter({ hasText: 'while the page was away' }).waitFor();
    await page.context().close();
  });

  it('changes the password from the account page: other sessions end, this page stays signed in and live', async () => {
    const email = `dan-${uid()}@example.com`;
    const dan = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Dan Agent', password, role: 'agent' } })).body;
    await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: dan.id } });
    const elsewhere = await sut.login(email, password);
    const page = await openAs({ email });
    await page.click('[data-testid=account-link]');
    const form = page.locator('[data-testid=password-form]');
    await form.locator('input[name=current-password]').fill('not-my-password');
    await form.locator('input[name=new-password]').fill('dans-new-password');
    await form.locator('input[name=repeat-password]').fill('dans-new-password');
    await form.locator('button[type=submit]').click();
    await page.locator('[data-testid=account-message].error').waitFor();
    await form.locator('input[name=current-password]').fill(password);
    await form.locator('button[type=submit]').click();
    await page.locator('[data-testid=account-message].ok').waitFor();
    expect((await sut.api('GET', '/auth/me', { token: elsewhere })).status).toBe(401);
    // This page reconnected with its fresh token: still signed in, still live.
    await page.waitForSelector('[data-testid=connection].on');
    expect(await page.locator('input[name=password]').count()).toBe(0);
    expect(await sut.login(email, 'dans-new-password')).toBeTruthy();

    const another = await sut.login(email, 'dans-new-password');
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-testid=sign-out-others]');
    await page.locator('[data-testid=account-message].ok').waitFor();
    expect((await sut.api('GET', '/auth/me', { token: another })).status).toBe(401);
    await page.waitForSelector('[data-testid=connection].on');
    await page.goto(sut.url + '/inbox?tab=all');
    await page.waitForSelector('[data-testid=connection].on');
    expect(await page.locator('input[name=password]').count()).toBe(0);
    await page.context().close();
  });

  it('serves the app for browser paths and keeps API 404s as JSON', async () => {
    const page = await fetch(`${sut.url}/inbox/00000000-0000-0000-0000-000000000000`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const api = await fetch(`${sut.url}/api/v1/no-such-route`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ statusCode: 404 });
    expect((await fetch(`${sut.url}/assets/missing-file.js`)).status).toBe(404);
  });

  describe('REST additions for the web app', () => {
    it('canned responses: validated, unique by shortcut, curated by staff only', async () => {
      const agentToken = await sut.login(people.ana.email, password);
      expect((await sut.api('POST', '/canned-responses', { token: admin, body: { shortcut: 'has space', title: 't', text: 'x' } })).status).toBe(400);
      const first = await sut.api('POST', '/canned-responses', { token: admin, body: { shortcut: 'refund', title: 'Refunds', text: 'Refunds take 5 days.' } });
      expect(first.status).toBe(201);
      const dup = await sut.api('POST', '/canned-responses', { token: admin, body: { shortcut: 'REFUND', title: 'Again', text: 'x' } });
      expect(dup.status).toBe(409);
      expect((await sut.api('POST', '/canned-responses', { token: agentToken, body: { shortcut: 'mine', title: 't', text: 'x' } })).status).toBe(403);
      const listed = await sut.api('GET', '/canned-responses', { token: agentToken });
      expect(listed.body.map((c: { shortcut: string }) => c.shortcut)).toContain('refund');
      const patched = await sut.api('PATCH', `/canned-responses/${first.body.id}`, { token: admin, body: { text: 'Refunds take 3 days.' } });
      expect(patched.body).toMatchObject({ shortcut: 'refund', text: 'Refunds take 3 days.' });
      expect((await sut.api('DELETE', `/canned-responses/${first.body.id}`, { token: admin })).status).toBe(204);
      expect((await sut.api('DELETE', `/canned-responses/${first.body.id}`, { token: admin })).status).toBe(404);
    });

    it('a reply with attachments is stored with them; bad base64 is a 400', async () => {
      const { conversationId: id } = await ingest({ text: 'send me the invoice' });
      const bad = await sut.api('POST', `/conversations/${id}/messages/with-attachments`, {
        token: admin,
        body: { text: 'here', attachments: [{ fileName: 'a.txt', contentType: 'text/plain', dataBase64: 'not base64!' }] },
      });
      expect(bad.status).toBe(400);
      const ok = await sut.api('POST', `/conversations/${id}/messages/with-attachments`, {
        token: admin,
        body: { text: 'here', attachments: [{ fileName: 'invoice.txt', contentType: 'text/plain', dataBase64: Buffer.from('total: 42').toString('base64') }] },
      });
      expect(ok.status).toBe(201);
      expect(ok.body.attachments).toEqual([expect.objectContaining({ fileName: 'invoice.txt', size: 9 })]);
      const file = await fetch(`${sut.url}/api/v1/attachments/${ok.body.attachments[0].id}`, { headers: { authorization: `Bearer ${admin}` } });
      expect(await file.text()).toBe('total: 42');
    });

    it('the directory lists names for any signed-in user', async () => {
      const agentToken = await sut.login(people.ana.email, password);
      const res = await sut.api('GET', '/directory/users', { token: agentToken });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: people.ben.id, name: 'Ben Agent' })]));
      expect(res.body[0]).not.toHaveProperty('email');
      expect((await sut.api('GET', '/directory/users')).status).toBe(401);
    });
  });

  it.each([
    ['en', en],
    ['fr', fr],
    ['it', itLocale],
    ['es', es],
    ['uk', uk],
  ])('renders in %s', async (lng, dict) => {
    const page = await openAs(people.cora, { language: lng });
    await page.locator('[data-testid=tab-mine]', { hasText: dict.tabs.mine }).waitFor();
    await page.locator('nav a', { hasText: dict.nav.console }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(lng);
    // No raw keys on screen: a missing translation would show e.g. "tabs.unassigned".
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/\b(tabs|nav|status|list|conversation|presence)\.[a-z]+/);
    await page.goto(sut.url + '/console');
    await page.locator('h2', { hasText: dict.console.agents }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, `console-${lng}.png`) });
    await page.context().close();
  });
});
