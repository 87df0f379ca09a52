import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, TestApp, bootApp, eventually, uid } from './helpers/app';
import { connectSocket, type RecordingSocket } from './helpers/sockets';
import { freePort } from './helpers/test-database';
import { buildWebApp } from './helpers/web-build';

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
    webDir = buildWebApp();
    // The widget bundle the snippet loads (as test/widget.e2e-spec.ts builds it).
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/widget/vite.config.mts', '--logLevel', 'error'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    // A known port and PUBLIC_URL: the snippet the server writes must point at this very server.
    const port = await freePort();
    sut = await bootApp({ PORT: String(port), PUBLIC_URL: `http://localhost:${port}` });
    admin = await sut.login();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterEach(async () => {
    while (contexts.length)
      await contexts
        .pop()!
        .close()
        .catch(() => undefined);
    const errors = pageErrors.splice(0);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await sut?.close();
    delete process.env.WEB_DIST_DIR;
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  async function openAs(person: { email: string; password: string }, path = '/', opts: { language?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 }, locale: 'en-US' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: sut.url });
    if (opts.language) await context.addInitScript((lng) => localStorage.setItem('i18nextLng', lng), opts.language);
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
    const res = await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
      token: inbox.token,
      body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name }, text, priority },
    });
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
      const ulla = { identifier: `c-${uid()}`, conversationId: '' };
      ulla.conversationId = (
        await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
          token: inbox.token,
          body: { externalId: uid(), contact: { identifier: ulla.identifier, name: 'Ulla Urgent' }, text: 'Everything is on fire', priority: 3 },
        })
      ).body.conversationId;
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

      // A new customer message shows in the row's preview live, without a reload.
      const more = await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
        token: inbox.token,
        body: { externalId: uid(), contact: { identifier: ulla.identifier, name: 'Ulla Urgent' }, text: 'Now the smoke alarm too' },
      });
      expect(more.body.conversationId).toBe(ulla.conversationId);
      await eventually(async () => (await row('Ulla Urgent').locator('[data-testid=row-preview]').textContent()) === 'Ulla Urgent: Now the smoke alarm too', 10000, 'live preview');

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
  describe('canned responses', () => {
    it('per team: agents see the shared ones and their teams’, staff see all; edited in place (PATCH), team checked', async () => {
      const { team, inbox } = await apiInbox();
      const other = (await sut.api('POST', '/teams', { token: admin, body: { name: `Other ${uid()}` } })).body;
      const email = `agent-${uid()}@example.com`;
      const agent = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Tea Teamer', password: 'agent-password', role: 'agent', capacity: { api: 5 } } })).body;
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: agent.id } });
      await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: agent.id } });
      const agentToken = await sut.login(email, 'agent-password');
      const mk = async (shortcut: string, teamId?: string) => {
        const res = await sut.api('POST', '/canned-responses', { token: admin, body: { shortcut, title: shortcut, text: `text of ${shortcut}`, teamId } });
        expect(res.status).toBe(201);
        return res.body as { id: string; teamId: string | null };
      };
      const tag = uid()
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 8);
      const shared = await mk(`shared${tag}`);
      const mine = await mk(`mine${tag}`, team.id);
      const theirs = await mk(`theirs${tag}`, other.id);
      expect(mine.teamId).toBe(team.id);
      expect(shared.teamId).toBeNull();

      const ids = async (token: string) => ((await sut.api('GET', '/canned-responses', { token })).body as Array<{ id: string }>).map((c) => c.id);
      const seenByAgent = await ids(agentToken);
      expect(seenByAgent).toEqual(expect.arrayContaining([shared.id, mine.id]));
      expect(seenByAgent).not.toContain(theirs.id);
      expect(await ids(admin)).toEqual(expect.arrayContaining([shared.id, mine.id, theirs.id]));

      // Moving a response to the agent's team shows it to them; an unknown team is a 404, not a silent "everyone".
      const moved = await sut.api('PATCH', `/canned-responses/${theirs.id}`, { token: admin, body: { teamId: team.id, text: 'Hello {{contact.name}}' } });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ teamId: team.id, text: 'Hello {{contact.name}}', shortcut: `theirs${tag}` });
      expect(await ids(agentToken)).toContain(theirs.id);
      const unknownTeam = await sut.api('PATCH', `/canned-responses/${theirs.id}`, { token: admin, body: { teamId: '00000000-0000-4000-8000-000000000000' } });
      expect(unknownTeam.status).toBe(404);
      expect((await sut.api('PATCH', `/canned-responses/${theirs.id}`, { token: agentToken, body: { text: 'x' } })).status).toBe(403);
      const shared2 = await sut.api('PATCH', `/canned-responses/${mine.id}`, { token: admin, body: { teamId: null } });
      expect(shared2.body.teamId).toBeNull();
    });

    it('the admin edits a response in place, then the composer fills its variables in a preview, flags an unknown one and sends the filled text', async () => {
      const { inbox } = await apiInbox();
      const res = await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
        token: inbox.token,
        body: {
          externalId: uid(),
          contact: { identifier: `c-${uid()}`, name: 'Chloé Canned', email: `chloe-${uid()}@example.com` },
          subject: 'Broken kettle',
          text: 'My kettle broke',
        },
      });
      const conversationId = res.body.conversationId as string;
      const contactId = (await sut.api('GET', `/conversations/${conversationId}`, { token: admin })).body.contactId;
      const contact = (await sut.api('GET', `/contacts/${contactId}`, { token: admin })).body;
      const me = (await sut.api('GET', '/auth/me', { token: admin })).body.user;
      const shortcut = `kettle${uid()
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 8)}`;
      expect((await sut.api('POST', '/canned-responses', { token: admin, body: { shortcut, title: 'Kettle reply', text: 'Old text' } })).status).toBe(201);

      const page = await openAs({ email: ADMIN.email, password: ADMIN.password }, '/admin/canned');
      const row = page.locator('[data-testid=canned-row]', { hasText: `/${shortcut}` });
      await row.locator('[data-testid=canned-edit]').click();
      const editor = page.locator('[data-testid=canned-row]').filter({ has: page.locator('[data-testid=canned-save]') });
      await editor
        .locator('textarea[name=canned-text]')
        .fill('Hi {{contact.name}}, {{agent.name}} here about “{{conversation.subject}}” (#{{conversation.id}}); we write to {{contact.email}}. {{ticket.nr}}');
      expect(await editor.locator('[data-testid=canned-admin-unknown]').textContent()).toContain('{{ticket.nr}}');
      await editor
        .locator('textarea[name=canned-text]')
        .fill('Hi {{contact.name}}, {{agent.name}} here about “{{conversation.subject}}” (#{{conversation.id}}); we write to {{contact.email}}.');
      await editor.locator('[data-testid=canned-save]').click();
      await page.locator('[data-testid=canned-row]', { hasText: 'Hi {{contact.name}}' }).waitFor();

      await page.goto(`${sut.url}/inbox/${conversationId}?tab=all&status=all`);
      const composer = page.locator('[data-testid=composer-text]');
      await composer.fill(`/${shortcut.slice(0, 6)}`);
      await page.locator('.canned-menu li', { hasText: 'Kettle reply' }).waitFor();
      await composer.press('Enter');
      const expected = `Hi Chloé Canned, ${me.name} here about “Broken kettle” (#${conversationId}); we write to ${contact.email}.`;
      await eventually(async () => (await page.locator('[data-testid=canned-preview] .canned-preview-text').textContent()) === expected, 10000, 'filled preview');
      expect(await composer.inputValue()).toContain('{{contact.name}}');

      await composer.press('End');
      await composer.pressSequentially(' {{contact.nmae}}');
      await page.locator('[data-testid=canned-unknown]').waitFor();
      expect(await page.locator('[data-testid=canned-unknown]').textContent()).toContain('{{contact.nmae}}');
      expect(await page.locator('[data-testid=send]').isDisabled()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'canned-unknown-variable.png') });
      for (let i = 0; i < ' {{contact.nmae}}'.length; i++) await composer.press('Backspace');
      await eventually(async () => (await page.locator('[data-testid=canned-unknown]').count()) === 0, 5000, 'flag gone');
      await page.click('[data-testid=send]');

      const sent = await eventually(
        async () => {
          const items = (await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin })).body.items as Array<{
            direction: string;
            kind: string;
            text: string;
          }>;
          return items.find((m) => m.direction === 'outbound' && m.kind === 'message');
        },
        10000,
        'the reply stored',
      );
      expect(sent.text).toBe(expected);
      expect(sent.text).not.toContain('{{');
    });
  });
  describe('inbox forms', () => {
    let agentSocket: RecordingSocket | null = null;
    let host: { origin: string; server: HttpServer } | null = null;
    afterAll(async () => {
      agentSocket?.close();
      if (host) await new Promise((r) => host!.server.close(r));
    });

    it('GET /channels names the kinds the server runs, and the picker offers exactly those', async () => {
      const res = await sut.api('GET', '/channels', { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.kinds).toEqual(expect.arrayContaining(['api', 'email', 'webchat', 'slack']));
      expect((await sut.api('GET', '/channels')).status).toBe(401);

      const page = await openAs({ email: ADMIN.email, password: ADMIN.password }, '/admin/inboxes');
      await page.waitForFunction((n) => document.querySelectorAll('select[name=inbox-channel] option').length === n, res.body.kinds.length);
      expect(await page.locator('select[name=inbox-channel] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(res.body.kinds);
    });

    it('an admin creates a web chat inbox from the form, embeds the copied snippet in a host page where a visitor chats, and finds the chat by channel in the list', async () => {
      let embedded = '';
      host = await startHostSite(() => embedded);
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Web ${uid()}` } })).body;
      const email = `web-agent-${uid()}@example.com`;
      const agent = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Wanda Web', password: 'agent-password', role: 'agent', capacity: { webchat: 5 } } }))
        .body;
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: agent.id } });
      agentSocket = await connectSocket(sut.url, await sut.login(email, 'agent-password'));

      const page = await openAs({ email: ADMIN.email, password: ADMIN.password }, '/admin/inboxes');
      const name = `Website ${uid()}`;
      await page.fill('input[name=inbox-name]', name);
      await page.selectOption('select[name=inbox-channel]', 'webchat');
      await page.selectOption('select[name=inbox-team]', team.id);
      const form = page.locator('[data-testid=webchat-form]');
      await form.locator('textarea[name=webchat-origins]').fill('not a site');
      await form.locator('[data-testid=webchat-origins-invalid]').waitFor();
      expect(await page.locator('[data-testid=inbox-form] button[type=submit]').isDisabled()).toBe(true);
      await form.locator('textarea[name=webchat-origins]').fill(`${host.origin}/`);
      await form.locator('input[name=webchat-color]').fill('#0a7d4f');
      await form.locator('input[name=webchat-title]').fill('Shop help');
      await form.locator('textarea[name=webchat-greeting]').fill('Hello from the form!');
      expect(await form.locator('[data-testid=webchat-preview]').textContent()).toContain('Hello from the form!');
      await page.click('[data-testid=inbox-form] button[type=submit]');
      const created = page.locator('[data-testid=inbox-created-webchat]');
      await created.waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'webchat-created.png'), fullPage: true });
      await created.locator('[data-testid=webchat-snippet-copy]').click();
      await eventually(async () => (await created.locator('[data-testid=webchat-snippet-copy]').textContent()) === 'Copied', 5000, 'copied');
      embedded = await page.evaluate(() => navigator.clipboard.readText());
      expect(embedded).toMatch(new RegExp(`^<script src="${sut.url}/api/v1/widget/widget.js" data-website-token="[^"]+" async></script>$`));

      const inbox = ((await sut.api('GET', '/inboxes', { token: admin })).body as Array<{ id: string; name: string; settings: any }>).find((i) => i.name === name)!;
      expect(inbox.settings).toMatchObject({ allowedOrigins: [host.origin], color: '#0a7d4f', title: 'Shop help', greeting: 'Hello from the form!' });
      // Routing only hands a conversation to members of its inbox.
      await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: agent.id } });

      const visitorContext = await browser.newContext({ locale: 'en-US' });
      contexts.push(visitorContext);
      const visitor = await visitorContext.newPage();
      visitor.on('pageerror', (err) => pageErrors.push(`visitor: ${err.message}`));
      await visitor.goto(`${host.origin}/`);
      await visitor.locator('[data-inbox-widget] .launcher').click();
      await visitor.locator('[data-inbox-widget] li.greeting', { hasText: 'Hello from the form!' }).waitFor();
      const input = visitor.locator('[data-inbox-widget] .composer textarea');
      await input.fill('Hi, is the green kettle in stock?');
      await input.press('Enter');
      await visitor.screenshot({ path: join(ARTIFACTS, 'webchat-host-page.png') });

      const conv = await eventually(
        async () => {
          const items = (await sut.api('GET', `/conversations?inboxId=${inbox.id}`, { token: admin })).body.items as Array<{
            id: string;
            assigneeId: string | null;
            channel: string;
            lastMessage: { text: string } | null;
          }>;
          return items.find((c) => c.lastMessage?.text === 'Hi, is the green kettle in stock?');
        },
        15000,
        'the visitor’s conversation',
      );
      expect(conv.channel).toBe('webchat');
      await eventually(async () => (await sut.api('GET', `/conversations/${conv.id}`, { token: admin })).body.assigneeId === agent.id, 15000, 'routed to the inbox member');

      await page.goto(`${sut.url}/inbox?tab=all&status=all&channel=webchat`);
      const row = page.locator('[data-testid=conversation-row]', { hasText: 'green kettle' });
      await row.waitFor();
      expect(await row.locator('[data-testid=row-preview]').textContent()).toContain(': Hi, is the green kettle in stock?');
      const icons = await page.locator('[data-testid=conversation-row] [role=img]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      expect(icons.length).toBeGreaterThan(0);
      expect(new Set(icons)).toEqual(new Set(['Web chat']));
      await page.screenshot({ path: join(ARTIFACTS, 'list-webchat-filter.png') });
    });

    it('edits an inbox, and deletes one after a confirmation saying its conversations go with it', async () => {
      const { inbox } = await apiInbox();
      const a = await ingest(inbox, 'first', 'Del One');
      await ingest(inbox, 'second', 'Del Two');
      const page = await openAs({ email: ADMIN.email, password: ADMIN.password }, '/admin/inboxes');
      const row = page.locator('tr', { hasText: inbox.name });
      await row.locator('[data-testid=inbox-edit]').click();
      const renamed = `${inbox.name} renamed`;
      await row.locator('input[name=inbox-edit-name]').fill(renamed);
      await row.locator('[data-testid=inbox-edit-save]').click();
      await page.locator('tr', { hasText: renamed }).locator('[data-testid=inbox-delete]').waitFor();
      expect((await sut.api('GET', `/inboxes/${inbox.id}`, { token: admin })).body.name).toBe(renamed);

      const row2 = page.locator('tr', { hasText: renamed });
      await row2.locator('[data-testid=inbox-delete]').click();
      const consequence = row2.locator('[data-testid=inbox-delete-consequence]');
      await eventually(async () => (await consequence.textContent())?.includes('(2)') ?? false, 10000, 'the count');
      expect(await consequence.textContent()).toBe(
        'Its conversations (2) are deleted with it, with their messages and attachments, for good. Its channel stops receiving at once.',
      );
      await page.screenshot({ path: join(ARTIFACTS, 'inbox-delete-confirm.png') });
      await row2.locator('[data-testid=inbox-delete-yes]').click();
      await eventually(async () => (await page.locator('tr', { hasText: renamed }).count()) === 0, 10000, 'row gone');
      expect((await sut.api('GET', `/inboxes/${inbox.id}`, { token: admin })).status).toBe(404);
      expect((await sut.api('GET', `/conversations/${a.conversationId}`, { token: admin })).status).toBe(404);
    });

    it('edits a web chat inbox’s origins and greeting in place; the website token (in every pasted snippet) stays, bad values are 400s', async () => {
      const created = await sut.api('POST', '/inboxes', {
        token: admin,
        body: { name: `Chat ${uid()}`, channel: 'webchat', allowedOrigins: ['https://old.example.com'], widget: { greeting: 'Old hello', color: '#112233' } },
      });
      expect(created.status).toBe(201);
      const inbox = created.body as { id: string; name: string; websiteToken: string };
      const page = await openAs({ email: ADMIN.email, password: ADMIN.password }, '/admin/inboxes');
      const row = page.locator('tr', { hasText: inbox.name });
      await row.locator('[data-testid=inbox-edit]').click();
      const form = row.locator('[data-testid=inbox-edit-form]');
      expect(await form.locator('textarea[name=webchat-origins]').inputValue()).toBe('https://old.example.com');
      expect(await form.locator('textarea[name=webchat-greeting]').inputValue()).toBe('Old hello');
      await form.locator('textarea[name=webchat-origins]').fill('https://old.example.com\nhttps://new.example.com');
      await form.locator('textarea[name=webchat-greeting]').fill('');
      await form.locator('input[name=webchat-title]').fill('New title');
      await form.locator('[data-testid=inbox-edit-save]').click();
      await row.locator('[data-testid=inbox-edit]').waitFor();

      const after = (await sut.api('GET', `/inboxes/${inbox.id}`, { token: admin })).body;
      expect(after.settings).toMatchObject({
        allowedOrigins: ['https://old.example.com', 'https://new.example.com'],
        greeting: null,
        title: 'New title',
        color: '#112233',
        websiteToken: inbox.websiteToken,
      });
      expect(after.settings.snippet).toContain(`data-website-token="${inbox.websiteToken}"`);

      const bad = await sut.api('PATCH', `/inboxes/${inbox.id}`, { token: admin, body: { allowedOrigins: ['not a site'] } });
      expect(bad.status).toBe(400);
      expect(bad.body.details.fields.allowedOrigins).toBeDefined();
      const { inbox: api } = await apiInbox();
      const notWebchat = await sut.api('PATCH', `/inboxes/${api.id}`, { token: admin, body: { widget: { color: '#000000' } } });
      expect(notWebchat.status).toBe(400);
      expect(notWebchat.body.details.fields.widget).toBeDefined();
    });

    it('the Slack form gives the manifest to paste, then the request URL of the new inbox', async () => {
      const page = await openAs({ email: ADMIN.email, password: ADMIN.password }, '/admin/inboxes');
      await page.fill('input[name=inbox-name]', 'Acme Support');
      await page.selectOption('select[name=inbox-channel]', 'slack');
      const manifest = await page.locator('[data-testid=slack-manifest] code').textContent();
      expect(manifest).toContain('name: "Acme Support"');
      expect(manifest).toContain(`request_url: ${sut.url}/api/v1/channels/slack/<inbox id>/events`);
      expect(manifest).toContain('- message.im');
      const submit = page.locator('[data-testid=inbox-form] button[type=submit]');
      await page.fill('input[name=slack-bot-token]', 'not-a-token');
      await page.fill('input[name=slack-signing-secret]', 'secret');
      expect(await submit.isDisabled()).toBe(true);
      await page.fill('input[name=slack-bot-token]', 'xoxb-123');
      expect(await submit.isDisabled()).toBe(false);
    });
  });
  describe('in Ukrainian on a phone', () => {
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

    it('the list filters and the web chat form are in Ukrainian, and at 390×844 neither scrolls sideways', async () => {
      const { inbox } = await apiInbox();
      await ingest(inbox, 'Де моє замовлення?', 'Оксана Клієнтка', 2);
      const page = await openAs({ email: ADMIN.email, password: ADMIN.password }, '/inbox?tab=all&status=all', { language: 'uk', viewport: { width: 390, height: 844 } });
      await page.locator('[data-testid=conversation-row]', { hasText: 'Оксана' }).waitFor();
      expect(await page.locator('[data-testid=filters-toggle]').textContent()).toBe('Фільтри');
      await page.click('[data-testid=filters-toggle]');
      await page.locator('[data-testid=filters]').waitFor();
      expect(await page.locator('[data-testid=sort] option').allTextContents()).toEqual(['Спершу нові', 'Найдовше чекають', 'Пріоритет', 'Найближчий термін SLA']);
      expect(await page.locator('[data-testid=conversation-row]', { hasText: 'Оксана' }).locator('[data-testid=row-preview]').textContent()).toBe(
        'Оксана Клієнтка: Де моє замовлення?',
      );
      expect(await overflow(page)).toBeNull();
      await page.screenshot({ path: join(ARTIFACTS, 'list-filters-uk-390.png'), fullPage: true });

      await page.goto(`${sut.url}/admin/inboxes`);
      await page.selectOption('select[name=inbox-channel]', 'webchat');
      const form = page.locator('[data-testid=webchat-form]');
      expect(await form.locator('legend').textContent()).toBe('Вебчат');
      expect(await form.textContent()).toContain('Сайти, яким дозволено вбудовувати чат');
      expect(await overflow(page)).toBeNull();
      await page.screenshot({ path: join(ARTIFACTS, 'webchat-form-uk-390.png'), fullPage: true });
    });
  });
});

/** A plain page of "the customer's website" on its own origin, embedding whatever snippet the admin copied. */
async function startHostSite(body: () => string): Promise<{ origin: string; server: HttpServer }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>Host ${req.url}</title></head><body><h1>Our shop</h1>${body()}</body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
