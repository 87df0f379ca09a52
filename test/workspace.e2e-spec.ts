import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TestApp, bootApp, eventually, uid } from './helpers/app';
import { startWebhookReceiver } from './helpers/webhook-receiver';
import { buildWebApp } from './helpers/web-build';

const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'workspace');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What the English routing and change lines of the server (and raw codes) look like. */
const ENGLISH_ACTIVITY = /Assigned to|by routing|least busy|eligible agent|Back in the queue|priority \d → \d|status \w+ → \w+/;
const RAW_CODE = /\b[a-z]+_[a-z_]+\b/;

/** The agent workspace in Debian's Chromium, against the real server and database: notifications, languages, phone-sized screens. */
describe('agent workspace in a real browser', () => {
  let sut: TestApp;
  let admin: string;
  let browser: Browser;
  let webDir: string;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let inbox: { id: string; token: string };
  const password = 'agent-password';

  beforeAll(async () => {
    webDir = buildWebApp();
    mkdirSync(ARTIFACTS, { recursive: true });
    hook = await startWebhookReceiver();
    sut = await bootApp();
    admin = await sut.login();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterEach(() => {
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

  /** A team of its own per test, so routing hands each test's conversations to its own agent. */
  async function setUp(name: string) {
    const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}` } })).body;
    inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api', teamId: team.id, webhookUrl: hook.url } })).body;
    const email = `agent-${uid()}@example.com`;
    const user = (await sut.api('POST', '/users', { token: admin, body: { email, name, password, role: 'agent', capacity: { api: 5 } } })).body;
    await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: user.id } });
    await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
    return { id: user.id as string, email, name };
  }

  async function openAs(person: { email: string }, opts: { language?: string; viewport?: { width: number; height: number }; init?: () => void } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 }, locale: 'en-US' });
    contexts.push(context);
    if (opts.language) await context.addInitScript((lng) => localStorage.setItem('i18nextLng', lng), opts.language);
    if (opts.init) await context.addInitScript(opts.init);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${person.email}: ${err.message}`));
    await page.goto(sut.url + '/');
    await page.fill('input[name=email]', person.email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=connection].on');
    return page;
  }

  const online = (agentId: string) =>
    eventually(
      async () => (await sut.api('GET', '/routing/stats', { token: admin })).body.agents.some((a: any) => a.agentId === agentId && a.presence === 'online'),
      15000,
      'agent online',
    );

  const ingest = async (text: string, contact: { identifier: string; name: string }, threadKey: string) =>
    (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact, threadKey, text } })).body as { conversationId: string };

  const row = (page: Page, conversationId: string) => page.locator(`[data-testid=conversation-row][data-conversation-id="${conversationId}"]`);

  it("notifies an agent of a new assignment and of the customer's reply, never of their own reply", async () => {
    const ana = await setUp('Ana Agent');
    const page = await openAs(ana, {
      // The browser's Notification API, recorded; the tab is in the background so desktop notifications apply.
      init: () => {
        const w = window as unknown as { __notes: Array<{ title: string; body: string }>; Notification: unknown };
        w.__notes = [];
        class RecordingNotification {
          static permission = 'granted';
          static requestPermission = async () => 'granted';
          onclick: (() => void) | null = null;
          constructor(title: string, opts?: { body?: string }) {
            w.__notes.push({ title, body: opts?.body ?? '' });
          }
          close() {}
        }
        w.Notification = RecordingNotification;
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      },
    });
    await online(ana.id);
    const contact = { identifier: `c-${uid()}`, name: 'Chloé Client' };
    const thread = uid();
    const { conversationId } = await ingest('My parcel never arrived', contact, thread);
    await row(page, conversationId).waitFor();
    const notes = () => page.evaluate(() => (window as unknown as { __notes: Array<{ title: string; body: string }> }).__notes);
    await eventually(async () => (await notes()).length >= 1, 15000, 'a desktop notification');
    expect((await notes())[0]).toEqual({ title: 'New conversation for you', body: 'Chloé Client · API' });
    await page.locator('[data-testid=toast][data-kind=assigned]', { hasText: 'Chloé Client' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'notification-toast.png') });

    // Her own reply is no news to her; the customer's answer is.
    await row(page, conversationId).click();
    await page.fill(`[data-testid=conversation-view][data-conversation-id="${conversationId}"] [data-testid=composer-text]`, 'Sorry! A new one ships today.');
    await page.press('[data-testid=composer-text]', 'Control+Enter');
    await page.locator('[data-testid=message][data-direction=outbound][data-status=sent]', { hasText: 'ships today' }).waitFor();
    await page.click('nav a[href="/inbox"]');
    await page.locator('[data-testid=conversation-view]').waitFor({ state: 'detached' });
    await ingest('Thanks, and the invoice?', contact, thread);
    await eventually(async () => (await notes()).length >= 2, 15000, 'the reply notification');
    expect(await notes()).toEqual([
      { title: 'New conversation for you', body: 'Chloé Client · API' },
      { title: 'Chloé Client replied', body: 'Thanks, and the invoice?' },
    ]);
    await eventually(async () => (await page.title()) === '(1) Inbox', 15000, 'the unread count in the tab title');
  });

  it('an agent takes a queued conversation with "assign to me", snoozes it with the 1-hour preset, and the durable timer wakes it live (Ukrainian)', async () => {
    const ira = await setUp('Ira Agent');
    const page = await openAs(ira, { language: 'uk' });
    await online(ira.id);
    // Away, so routing leaves the new conversation in the queue for her to take.
    await page.selectOption('[data-testid=presence]', 'away');
    await eventually(
      async () => (await sut.api('GET', '/routing/stats', { token: admin })).body.agents.some((a: any) => a.agentId === ira.id && a.presence === 'away'),
      15000,
      'agent away',
    );
    const { conversationId } = await ingest('Can someone look at my refund?', { identifier: `c-${uid()}`, name: 'Oksana Client' }, uid());
    await page.click('[data-testid=tab-unassigned]');
    await row(page, conversationId).click();
    await page.click('[data-testid=claim]');
    await eventually(async () => (await sut.api('GET', `/conversations/${conversationId}`, { token: admin })).body.assigneeId === ira.id, 15000, 'assigned to her');
    await page.locator('[data-testid=claim]').waitFor({ state: 'detached' });

    // "In 1 hour" in the agent's own clock: the page's clock is set an hour (less 20 s) back, so the
    // preset asks for a wake-up 20 s from now and the real timer job has to fire for the test to pass.
    await page.clock.setFixedTime(new Date(Date.now() - 3600_000 + 20_000));
    await page.click('[data-testid=snooze-toggle]');
    await page.click('[data-testid=snooze-hour]');
    await eventually(async () => (await sut.api('GET', `/conversations/${conversationId}`, { token: admin })).body.status === 'snoozed', 15000, 'snoozed');
    await page.locator('[data-testid=open]').waitFor();
    await eventually(async () => (await sut.api('GET', `/conversations/${conversationId}`, { token: admin })).body.status === 'open', 60000, 'woken by its timer');
    // Live in the open page: the Open button goes, the wake-up line arrives in Ukrainian.
    await page.locator('[data-testid=open]').waitFor({ state: 'detached' });
    await page.getByText('Відкладення скінчилося; розмова знову відкрита').waitFor();
    expect((await sut.api('GET', `/conversations/${conversationId}`, { token: admin })).body.assigneeId).toBe(ira.id);
    await page.screenshot({ path: join(ARTIFACTS, 'snooze-woken-uk.png') });
  });

  it('writes activity lines in Ukrainian, with no English routing sentence and no raw code', async () => {
    const olena = await setUp('Олена Оператор');
    const page = await openAs(olena, { language: 'uk' });
    await online(olena.id);
    const { conversationId } = await ingest('Де моя посилка?', { identifier: `c-${uid()}`, name: 'Клієнт' }, uid());
    await row(page, conversationId).waitFor();
    await sut.api('PATCH', `/conversations/${conversationId}`, { token: admin, body: { priority: 2, labels: ['доставка'] } });
    await row(page, conversationId).click();
    const lines = page.locator('[data-testid=activity]');
    await lines.filter({ hasText: 'Пріоритет: Звичайний → Високий' }).waitFor();
    await lines.filter({ hasText: 'Маршрутизація призначила Олена Оператор' }).waitFor();
    const texts = await lines.allTextContents();
    expect(texts.length).toBeGreaterThanOrEqual(2);
    for (const text of texts) {
      expect(text).not.toMatch(ENGLISH_ACTIVITY);
      expect(text).not.toMatch(RAW_CODE);
    }
    const header = await page.locator('[data-testid=routing-reason]').textContent();
    expect(header).toContain('Маршрутизація призначила');
    expect(header).not.toMatch(ENGLISH_ACTIVITY);
    await page.screenshot({ path: join(ARTIFACTS, 'activity-uk.png') });
  });
  /** The widest element sticking out to the right, to name the culprit when the page scrolls sideways. */
  const overflow = (page: Page) =>
    page.evaluate(() => {
      const doc = document.documentElement;
      if (doc.scrollWidth <= doc.clientWidth) return null;
      const wide = Array.from(document.querySelectorAll('body *'))
        .map((el) => ({ el, right: el.getBoundingClientRect().right }))
        .filter((x) => x.right > doc.clientWidth + 1);
      const worst = wide.sort((a, b) => b.right - a.right)[0];
      return { scrollWidth: doc.scrollWidth, element: worst ? `${worst.el.tagName}.${worst.el.className} ${(worst.el.textContent ?? '').slice(0, 40)}` : '' };
    });

  it.each(['en', 'fr', 'it', 'es', 'uk'])('at 390×844 (%s) nothing scrolls sideways, and an agent opens a conversation, replies and comes back', async (lng) => {
    const agent = await setUp(`Agent ${lng}`);
    const page = await openAs(agent, { language: lng, viewport: { width: 390, height: 844 } });
    await online(agent.id);
    const { conversationId } = await ingest('Hello from my phone, where is my order number 123456789?', { identifier: `c-${uid()}`, name: 'Maximilian Longname-Customer' }, uid());
    await row(page, conversationId).waitFor();
    expect(await overflow(page)).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, `phone-list-${lng}.png`) });

    // The header folds into a menu that opens and shows the navigation.
    await page.click('[data-testid=menu-toggle]');
    await page.locator('.topbar nav a[href="/inbox"]').waitFor();
    expect(await overflow(page)).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, `phone-menu-${lng}.png`) });
    await page.click('[data-testid=menu-toggle]');

    await row(page, conversationId).click();
    await page.locator('[data-testid=message][data-direction=inbound]', { hasText: 'Hello from my phone' }).waitFor();
    expect(await row(page, conversationId).isVisible()).toBe(false);
    expect(await overflow(page)).toBeNull();
    await page.fill('[data-testid=composer-text]', 'On its way!');
    await page.press('[data-testid=composer-text]', 'Control+Enter');
    await page.locator('[data-testid=message][data-direction=outbound][data-status=sent]', { hasText: 'On its way!' }).waitFor();
    expect(await overflow(page)).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, `phone-conversation-${lng}.png`) });

    await page.click('[data-testid=back]');
    await row(page, conversationId).waitFor();
    await page.locator('[data-testid=conversation-view]').waitFor({ state: 'detached' });
    expect(await overflow(page)).toBeNull();
  });
});
