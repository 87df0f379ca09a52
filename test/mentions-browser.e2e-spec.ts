import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TestApp, bootApp, eventually, uid } from './helpers/app';
import { buildWebApp } from './helpers/web-build';

const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'mentions');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Recorded = Array<{ title: string; body: string }>;

/** @mentions in Debian's Chromium against the real server: one agent picks a teammate after `@`, the teammate is notified and reads it. */
describe('mentions in a real browser', () => {
  let sut: TestApp;
  let admin: string;
  let browser: Browser;
  let webDir: string;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const password = 'agent-password';

  beforeAll(async () => {
    webDir = buildWebApp();
    mkdirSync(ARTIFACTS, { recursive: true });
    sut = await bootApp();
    admin = await sut.login();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await sut?.close();
    delete process.env.WEB_DIST_DIR;
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  async function agent(name: string, inboxId: string) {
    const email = `agent-${uid()}@example.com`;
    const user = (await sut.api('POST', '/users', { token: admin, body: { email, name, password, role: 'agent', capacity: { api: 5 } } })).body;
    await sut.api('POST', `/inboxes/${inboxId}/members`, { token: admin, body: { userId: user.id } });
    return { id: user.id as string, email, name };
  }

  async function openAs(person: { email: string }, opts: { language?: string; init?: () => void } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
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

  it('notifies the teammate picked after @ (toast and desktop notification, in Ukrainian), lists it under Mentions and reads it on opening', async () => {
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api' } })).body as { id: string; token: string };
    const ana = await agent(`Ana Agent ${uid()}`, inbox.id);
    const bo = await agent(`Bo Brown ${uid()}`, inbox.id);
    const { conversationId } = (
      await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
        token: inbox.token,
        body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name: 'Chloé Client' }, text: 'Where is my refund?' },
      })
    ).body as { conversationId: string };

    const boPage = await openAs(bo, {
      language: 'uk',
      // The browser's Notification API, recorded; the tab is in the background so desktop notifications apply.
      init: () => {
        const w = window as unknown as { __notes: Recorded; Notification: unknown };
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
    const anaPage = await openAs(ana);
    await anaPage.goto(`${sut.url}/inbox/${conversationId}`);
    await anaPage.click('[data-testid=mode-note]');
    const box = anaPage.locator('[data-testid=composer-text]');
    await box.pressSequentially('Could you look at this, @bo');
    const menu = anaPage.locator('[data-testid=mention-menu]');
    await menu.waitFor();
    expect(await menu.locator('[role=option]').allTextContents()).toEqual([`B ${bo.name}`]);
    await anaPage.screenshot({ path: join(ARTIFACTS, 'composer-picker-en.png') });
    await box.press('Enter');
    await menu.waitFor({ state: 'detached' });
    await box.pressSequentially('please?');
    expect(await box.inputValue()).toBe(`Could you look at this, @${bo.name} please?`);
    await box.press('Control+Enter');
    const note = anaPage.locator('[data-testid=message][data-kind=note]', { hasText: 'please?' });
    await note.locator('[data-testid=mention]', { hasText: `@${bo.name}` }).waitFor();

    // Bo hears of it: a toast and a desktop notification in his language, and the Mentions tab counts it.
    await boPage.locator('[data-testid=toast][data-kind=mention]', { hasText: `${ana.name} згадує вас · Chloé Client` }).waitFor();
    const notes = () => boPage.evaluate(() => (window as unknown as { __notes: Recorded }).__notes);
    // (Routing may also have handed Bo the conversation: that is a notification of its own.)
    const mentionNote = { title: `${ana.name} згадує вас · Chloé Client`, body: `Could you look at this, @${bo.name} please?` };
    await eventually(async () => (await notes()).some((n) => n.title === mentionNote.title), 15000, 'a desktop notification of the mention');
    expect((await notes()).filter((n) => n.title.includes('згадує'))).toEqual([mentionNote]);
    await boPage.locator('[data-testid=mentions-badge]', { hasText: '1' }).waitFor();
    await boPage.screenshot({ path: join(ARTIFACTS, 'mention-toast-uk.png') });
    await boPage.click('[data-testid=tab-mentions]');
    await boPage.locator('[data-testid=mention-row].unread').click();
    await boPage.locator('[data-testid=message][data-kind=note] [data-testid=mention].mention-me').waitFor();
    // Opening the conversation read the mention: the badge goes, the row stays, no longer unread.
    await boPage.locator('[data-testid=mentions-badge]').waitFor({ state: 'detached' });
    await boPage.locator('[data-testid=mention-row]:not(.unread)').waitFor();
    await boPage.screenshot({ path: join(ARTIFACTS, 'mention-read-uk.png') });
    expect((await sut.api('GET', '/mentions?unread=true', { token: await sut.login(bo.email, password) })).body.unread).toBe(0);

    // The author is told nothing of her own note.
    expect(await anaPage.locator('[data-testid=toast][data-kind=mention]').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 240_000);
});
