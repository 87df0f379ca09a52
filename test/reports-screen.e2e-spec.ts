import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TestApp, bootApp, eventually, uid } from './helpers/app';
import { startWebhookReceiver } from './helpers/webhook-receiver';
import { uk } from '../apps/web/src/i18n/locales/uk';
import { en } from '../apps/web/src/i18n/locales/en';

const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'reports');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function postForm(url: string, fields: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return res.status;
}

/** The coordinators' reports screen in Debian's Chromium, over real conversations, replies, resolutions and ratings. */
describe('reports screen in a real browser', () => {
  let sut: TestApp;
  let admin: string;
  let browser: Browser;
  let webDir: string;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const password = 'coord-password-1';
  let cora: { email: string };
  let ana: { id: string; name: string };
  const conversations: string[] = [];
  let lowRated: string;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'inbox-web-'));
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/web/vite.config.mts', '--logLevel', 'error'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', WEB_OUT_DIR: webDir },
      stdio: 'pipe',
    });
    process.env.WEB_DIST_DIR = webDir;
    mkdirSync(ARTIFACTS, { recursive: true });
    hooks = await startWebhookReceiver();
    sut = await bootApp();
    admin = await sut.login();

    const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Billing ${uid()}` } })).body;
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Shop API', channel: 'api', teamId: team.id, webhookUrl: hooks.url } })).body;
    expect((await sut.api('PUT', `/inboxes/${inbox.id}/csat`, { token: admin, body: { enabled: true, scale: 'stars', delaySeconds: 0, frequencyDays: 0 } })).status).toBe(200);
    const agentEmail = `ana-${uid()}@example.com`;
    const agent = (
      await sut.api('POST', '/users', { token: admin, body: { email: agentEmail, name: 'Ana Agent', password: 'agent-password-1', role: 'agent', capacity: { api: 10 } } })
    ).body;
    await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: agent.id } });
    ana = { id: agent.id, name: 'Ana Agent' };
    const anaToken = await sut.login(agentEmail, 'agent-password-1');
    cora = { email: `cora-${uid()}@example.com` };
    expect((await sut.api('POST', '/users', { token: admin, body: { email: cora.email, name: 'Cora Coordinator', password, role: 'coordinator' } })).status).toBe(201);

    // Three conversations for Ana: answered and resolved with ratings 4 and 2, one left open.
    for (const [i, rating] of [
      [0, '4'],
      [1, '2'],
      [2, null],
    ] as const) {
      const { conversationId } = (
        await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
          token: inbox.token,
          body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name: `Client ${i}` }, text: `question ${i}` },
        })
      ).body;
      conversations.push(conversationId);
      expect((await sut.api('POST', `/conversations/${conversationId}/assign`, { token: admin, body: { agentId: agent.id, force: true } })).status).toBeLessThan(300);
      expect((await sut.api('POST', `/conversations/${conversationId}/messages`, { token: anaToken, body: { text: `answer ${i}` } })).status).toBe(201);
      if (rating === null) continue;
      expect((await sut.api('PATCH', `/conversations/${conversationId}`, { token: anaToken, body: { status: 'resolved' } })).status).toBe(200);
      const hook = await eventually(async () => hooks.received.find((h) => h.json?.conversationId === conversationId && h.json?.message?.survey), 20000, 'the survey webhook');
      expect(await postForm(`${sut.url}/csat/${hook.json.message.survey.url.split('/csat/')[1]}`, { rating })).toBe(200);
      if (rating === '2') lowRated = conversationId;
    }
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 180_000);

  afterEach(() => {
    const errors = pageErrors.splice(0);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await sut?.close();
    await hooks?.close();
    delete process.env.WEB_DIST_DIR;
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  async function openAs(email: string, path: string, opts: { language?: string; timezoneId?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US', timezoneId: opts.timezoneId ?? 'Europe/Paris', acceptDownloads: true });
    contexts.push(context);
    if (opts.language) await context.addInitScript((lng) => localStorage.setItem('i18nextLng', lng), opts.language);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${email}: ${err.message}`));
    await page.goto(sut.url + path);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=connection].on');
    return page;
  }

  it('keeps uPlot out of the inbox bundle: the reports route brings its own chunk', () => {
    const html = readFileSync(join(webDir, 'index.html'), 'utf8');
    const entry = /<script[^>]+src="\/?([^"]+\.js)"/.exec(html)![1]!;
    const entryCode = readFileSync(join(webDir, entry), 'utf8');
    const chunks = readdirSync(join(webDir, 'assets')).filter((f) => f.endsWith('.js'));
    // uPlot's legend class name is a string literal minification keeps.
    expect(entryCode).not.toContain('u-legend');
    expect(chunks.some((f) => readFileSync(join(webDir, 'assets', f), 'utf8').includes('u-legend'))).toBe(true);
  });

  it('renders the figures and charts in English, sorts agents, drills into low ratings and exports CSV', async () => {
    const page = await openAs(cora.email, '/reports');
    await page.goto(sut.url + '/reports');
    await page.locator('[data-testid=reports-page] h1', { hasText: en.reports.title }).waitFor();
    expect(await page.locator('[data-testid=kpi-created-value]').textContent()).toBe('3');
    expect(await page.locator('[data-testid=kpi-csat-value]').textContent()).toBe('3 / 5');
    // Five charts, each drawn on a canvas with a title and a data table behind it.
    await eventually(async () => (await page.locator('[data-testid=report-chart] canvas').count()) === 5, 15000, 'five canvases');
    for (const title of [en.reports.chart.volume, en.reports.chart.firstResponse, en.reports.chart.resolution, en.reports.chart.csat, en.reports.chart.sla]) {
      await page.locator('[data-testid=report-chart] figcaption', { hasText: title }).waitFor();
    }
    const volume = page.locator('[data-testid=report-chart][data-chart=volume]');
    await volume.locator('summary').click();
    const today = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'Europe/Paris' }).format(new Date());
    const todayRow = volume.locator('[data-testid=chart-table] tbody tr', { hasText: today });
    expect(await todayRow.locator('td').allTextContents()).toEqual(['3', '2']);
    const agentRow = page.locator(`[data-testid=agent-row][data-agent-id="${ana.id}"]`);
    expect(await agentRow.locator('td').first().textContent()).toBe('3');
    await page.screenshot({ path: join(ARTIFACTS, 'reports-en.png'), fullPage: true });

    // Sorting: the header says which way.
    await page.click('[data-testid=sort-csatAverage]');
    expect(await page.locator('th[aria-sort=descending]').textContent()).toContain(en.reports.agents.csatAverage);
    await page.click('[data-testid=sort-csatAverage]');
    expect(await page.locator('th[aria-sort=ascending]').textContent()).toContain(en.reports.agents.csatAverage);

    // Drill-down: the low ratings are exactly the conversation rated 2, linking to it.
    await page.click('[data-testid=kpi-csat-low]');
    const rows = page.locator('[data-testid=drill-row]');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-conversation-id')))).toEqual([lowRated]);
    expect(new URL(page.url()).searchParams.get('drill')).toBe('csat_low');
    expect(await rows.first().locator('a').getAttribute('href')).toBe(`/inbox/${lowRated}`);
    await page.screenshot({ path: join(ARTIFACTS, 'reports-drill-en.png'), fullPage: true });

    // Export: a real download, with the BOM and the agents' header.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-agents]')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.slice(1).split('\r\n')[0]).toMatch(/^agent_id,name,assigned,resolved/);
    expect(csv).toContain(`${ana.id},Ana Agent,3,2`);
    await page.context().close();
  });

  it('opens a shared link in Ukrainian: same filters and drill-down, Ukrainian labels and dates', async () => {
    const link = `/reports?drill=csat_rated&interval=day`;
    const page = await openAs(cora.email, link, { language: 'uk', timezoneId: 'Europe/Kyiv' });
    await page.goto(sut.url + link);
    await page.locator('[data-testid=reports-page] h1', { hasText: uk.reports.title }).waitFor();
    await eventually(async () => (await page.locator('[data-testid=report-chart] canvas').count()) === 5, 15000, 'five canvases');
    for (const title of [uk.reports.chart.volume, uk.reports.chart.firstResponse, uk.reports.chart.resolution, uk.reports.chart.csat, uk.reports.chart.sla]) {
      await page.locator('[data-testid=report-chart] figcaption', { hasText: title }).waitFor();
    }
    await page.locator('[data-testid=drill-down] h2', { hasText: uk.reports.drill.metric.csat_rated }).waitFor();
    await eventually(async () => (await page.locator('[data-testid=drill-row]').count()) === 2, 15000, 'two rated conversations');
    const volume = page.locator('[data-testid=report-chart][data-chart=volume]');
    await volume.locator('summary').click();
    const today = new Intl.DateTimeFormat('uk', { month: 'short', day: 'numeric', timeZone: 'Europe/Kyiv' }).format(new Date());
    expect(await volume.locator('[data-testid=chart-table] tbody tr', { hasText: today }).locator('td').allTextContents()).toEqual(['3', '2']);
    // No English label or raw key leaks into the Ukrainian screen.
    const text = await page.locator('[data-testid=reports-page]').innerText();
    for (const english of [en.reports.chart.volume, en.reports.agents.title, en.reports.kpi.csat, en.reports.export.label]) expect(text).not.toContain(english);
    expect(text).not.toMatch(/reports\.[a-z]/);
    await page.screenshot({ path: join(ARTIFACTS, 'reports-uk.png'), fullPage: true });
    await page.context().close();
  });
});
