import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, TestApp, bootApp, eventually, uid } from './helpers/app';

const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'workspace-admin');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The conversation list, canned responses and the admin's channel forms, in Debian's Chromium against the real server. */
describe('workspace: list, canned responses and inbox forms in a real browser', () => {
  let sut: TestApp;
  let admin: string;
  let browser: Browser;
  let webDir: string;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Built into a folder of its own: a parallel `npm run build` empties dist/.
    webDir = mkdtempSync(join(tmpdir(), 'inbox-web-'));
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/web/vite.config.mts', '--logLevel', 'error'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', WEB_OUT_DIR: webDir },
      stdio: 'pipe',
    });
    process.env.WEB_DIST_DIR = webDir;
    mkdirSync(ARTIFACTS, { recursive: true });
    sut = await bootApp();
    admin = await sut.login();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterEach(async () => {
    while (contexts.length) await contexts.pop()!.close().catch(() => undefined);
    const errors = pageErrors.splice(0);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await sut?.close();
    delete process.env.WEB_DIST_DIR;
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  async function openAs(person: { email: string; password: string }, path = '/'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${person.email}: ${err.message}`));
    await page.goto(sut.url + '/');
    await page.fill('input[name=email]', person.email);
    await page.fill('input[name=password]', person.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=connection].on');
    if (path !== '/') await page.goto(sut.url + path);
    return page;
  }

  async function apiInbox() {
    const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}` } })).body;
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `API ${uid()}`, channel: 'api', teamId: team.id } })).body;
    return { team, inbox: inbox as { id: string; token: string; name: string } };
  }

  const ingest = async (inbox: { id: string; token: string }, text: string, name: string, priority?: number) => {
    const res = await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name }, text, priority } });
    expect(res.status).toBe(201);
    return res.body as { conversationId: string };
  };

  describe('conversation list', () => {
    it('previews the last customer or agent message (never a note or an activity line) and filters by channel and priority, 400 naming a bad value', async () => {
      const { inbox } = await apiInbox();
      const { conversationId } = await ingest(inbox, 'My parcel never arrived', 'Pia Preview', 3);
      const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'Looking into it now' } });
      expect(reply.status).toBe(201);
      expect((await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'secret note', private: true } })).status).toBe(201);
      const other = await ingest(inbox, 'Just a question', 'Otto Other', 1);

      const one = (await sut.api('GET', `/conversations/${conversationId}`, { token: admin })).body;
      expect(one.lastMessage).toMatchObject({ text: 'Looking into it now', authorType: 'user' });
      const listed = (await sut.api('GET', `/conversations?inboxId=${inbox.id}&priority=3`, { token: admin })).body.items;
      expect(listed.map((c: { id: string }) => c.id)).toEqual([conversationId]);
      expect(listed[0].lastMessage.text).toBe('Looking into it now');
      const both = (await sut.api('GET', `/conversations?inboxId=${inbox.id}&priority=1,3&channel=api`, { token: admin })).body.items;
      expect(both.map((c: { id: string }) => c.id).sort()).toEqual([conversationId, other.conversationId].sort());
      expect((await sut.api('GET', `/conversations?inboxId=${inbox.id}&channel=email`, { token: admin })).body.items).toEqual([]);

      const badChannel = await sut.api('GET', '/conversations?channel=fax', { token: admin });
      expect(badChannel.status).toBe(400);
      expect(JSON.stringify(badChannel.body)).toContain('channel');
      const badPriority = await sut.api('GET', '/conversations?priority=9', { token: admin });
      expect(badPriority.status).toBe(400);
      expect(JSON.stringify(badPriority.body)).toContain('priority');
    });

    it('the admin filters by inbox and priority from the screen, the filters live in the URL and survive a reload, and a saved view brings them back', async () => {
      const { inbox } = await apiInbox();
      await ingest(inbox, 'Everything is on fire', 'Ulla Urgent', 3);
      await ingest(inbox, 'A small thing when you have time', 'Nils Normal', 1);
      const page = await openAs({ email: ADMIN.email, password: ADMIN.password }, '/inbox?tab=all&status=all');

      const rows = page.locator('[data-testid=conversation-row]');
      const row = (name: string) => rows.filter({ hasText: name });
      await row('Ulla Urgent').waitFor();
      expect(await row('Ulla Urgent').locator('[data-testid=row-preview]').textContent()).toBe('Ulla Urgent: Everything is on fire');
      expect(await row('Nils Normal').locator('[role=img]').getAttribute('aria-label')).toBe('API');

      await page.click('[data-testid=filters-toggle]');
      await page.selectOption('[data-testid=filter-inbox]', inbox.id);
      await page.selectOption('[data-testid=filter-priority]', '3');
      await eventually(async () => (await rows.count()) === 1 && (await row('Ulla Urgent').count()) === 1, 10000, 'only the urgent conversation');
      const url = new URL(page.url());
      expect(url.searchParams.get('inboxId')).toBe(inbox.id);
      expect(url.searchParams.get('priority')).toBe('3');
      await page.selectOption('[data-testid=sort]', 'oldest_waiting');
      expect(new URL(page.url()).searchParams.get('sort')).toBe('oldest_waiting');
      await page.screenshot({ path: join(ARTIFACTS, 'list-filtered.png') });

      await page.reload();
      await row('Ulla Urgent').waitFor();
      expect(await rows.count()).toBe(1);
      expect(await page.locator('[data-testid=filter-priority]').inputValue()).toBe('3');

      await page.click('[data-testid=save-view]');
      await page.fill('[data-testid=view-name]', 'Urgent here');
      await page.keyboard.press('Enter');
      await page.click('[data-testid=filters-clear]');
      await row('Nils Normal').waitFor();
      expect(new URL(page.url()).searchParams.get('priority')).toBeNull();

      await page.selectOption('[data-testid=saved-views]', 'Urgent here');
      await eventually(async () => (await row('Nils Normal').count()) === 0 && (await rows.count()) === 1, 10000, 'the saved view applied');
      expect(new URL(page.url()).searchParams.get('priority')).toBe('3');
      expect(new URL(page.url()).searchParams.get('sort')).toBe('oldest_waiting');
    });
  });
});
