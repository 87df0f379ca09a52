import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, TestApp, bootApp, eventually, uid } from './helpers/app';
import { buildWebApp } from './helpers/web-build';
import { startWebhookReceiver } from './helpers/webhook-receiver';
import { en } from '../apps/web/src/i18n/locales/en';
import { uk } from '../apps/web/src/i18n/locales/uk';

const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'qa');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'qa-screen-password-1';

async function postForm(url: string, fields: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return res.status;
}

/**
 * Quality review and the customer's rating in Debian's Chromium: a coordinator scores a resolved
 * conversation beside its timeline, the reviewed agent reads and acknowledges it in Ukrainian,
 * another agent reaches none of it; the rating shows in the conversation header as it arrives.
 */
describe('quality review screens in a real browser', () => {
  let sut: TestApp;
  let admin: string;
  let browser: Browser;
  let webDir: string;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const people: Record<'cora' | 'ana' | 'ben', { id: string; email: string; token: string }> = {} as never;
  let inboxId: string;
  let conversationId: string;
  let replyId: string;
  let surveyToken: string;

  beforeAll(async () => {
    webDir = buildWebApp();
    mkdirSync(ARTIFACTS, { recursive: true });
    hooks = await startWebhookReceiver();
    sut = await bootApp();
    admin = await sut.login();

    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Shop ${uid()}`, channel: 'api', webhookUrl: hooks.url } })).body;
    inboxId = inbox.id;
    expect((await sut.api('PUT', `/inboxes/${inbox.id}/csat`, { token: admin, body: { enabled: true, scale: 'stars', delaySeconds: 0, frequencyDays: 0 } })).status).toBe(200);
    for (const [key, name, role] of [
      ['cora', 'Cora Coordinator', 'coordinator'],
      ['ana', 'Ana Agent', 'agent'],
      ['ben', 'Ben Agent', 'agent'],
    ] as const) {
      const email = `${key}-${uid()}@example.com`;
      const u = await sut.api('POST', '/users', { token: admin, body: { email, name, password: PASSWORD, role, capacity: { api: 10 } } });
      expect(u.status).toBe(201);
      if (role === 'agent') await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: u.body.id } });
      people[key] = { id: u.body.id, email, token: await sut.login(email, PASSWORD) };
    }
    const card = await sut.api('POST', '/qa/scorecards', {
      token: people.cora.token,
      body: {
        name: 'Support basics',
        criteria: [
          { key: 'greeting', label: 'Greeting', weight: 1, scale: 'yes_no' },
          { key: 'accuracy', label: 'Accuracy', description: 'Facts and policy right', weight: 3, scale: '1-5' },
          { key: 'tone', label: 'Tone', weight: 2, scale: '0-2' },
        ],
      },
    });
    expect(card.status).toBe(201);

    // Ana answers and resolves a customer's question this week: the queue samples it.
    conversationId = (
      await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
        token: inbox.token,
        body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name: 'Chloé Martin' }, text: 'Where is my refund?' },
      })
    ).body.conversationId;
    expect((await sut.api('POST', `/conversations/${conversationId}/assign`, { token: admin, body: { agentId: people.ana.id, force: true } })).status).toBeLessThan(300);
    const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: people.ana.token, body: { text: 'Refunds take 30 days.' } });
    expect(reply.status).toBe(201);
    replyId = reply.body.id;
    expect((await sut.api('PATCH', `/conversations/${conversationId}`, { token: people.ana.token, body: { status: 'resolved' } })).status).toBe(200);
    const hook = await eventually(async () => hooks.received.find((h) => h.json?.conversationId === conversationId && h.json?.message?.survey), 20000, 'the survey webhook');
    surveyToken = hook.json.message.survey.url.split('/csat/')[1];
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

  async function openAs(email: string, path: string, opts: { language?: string; password?: string; height?: number } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: opts.height ?? 1000 }, locale: 'en-US', timezoneId: 'Europe/Kyiv' });
    contexts.push(context);
    if (opts.language) await context.addInitScript((lng) => localStorage.setItem('i18nextLng', lng), opts.language);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${email}: ${err.message}`));
    await page.goto(sut.url + path);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', opts.password ?? PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=connection].on');
    await page.goto(sut.url + path);
    await page.waitForSelector('[data-testid=connection].on');
    return page;
  }

  it('a coordinator opens the sampled conversation, scores it beside its timeline and sees the weighted total (English)', async () => {
    const page = await openAs(people.cora.email, '/qa', { height: 1500 });
    expect(await page.locator('[data-testid=nav-qa]').textContent()).toBe(en.qa.nav);
    await page.locator('[data-testid=qa-page] h1', { hasText: en.qa.title }).waitFor();
    const row = page.locator(`[data-testid=qa-queue-item][data-conversation-id="${conversationId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-reviewed')).toBe('false');
    expect(await row.locator('td').first().textContent()).toBe('Ana Agent');
    await row.locator('button', { hasText: 'Chloé Martin' }).click();

    // The whole timeline, read-only, beside the scorecard.
    const pane = page.locator(`[data-testid=qa-review-pane][data-conversation-id="${conversationId}"]`);
    await pane.locator('[data-testid=timeline] [data-testid=message]', { hasText: 'Where is my refund?' }).waitFor();
    await pane.locator('[data-testid=timeline] [data-testid=message]', { hasText: 'Refunds take 30 days.' }).waitFor();
    expect(await pane.locator('[data-testid=composer], textarea[name=text]').count()).toBe(0);
    const form = pane.locator('[data-testid=qa-scorecard]');
    expect(await form.locator('[data-testid=criterion-accuracy] .qa-mark').allTextContents()).toEqual(['1', '2', '3', '4', '5']);
    expect(await form.locator('[data-testid=criterion-greeting] .qa-mark').allTextContents()).toEqual([en.qa.review.no, en.qa.review.yes]);
    await form.locator('[data-testid=qa-total-pending]').waitFor();

    await form.locator('input[name=score-greeting][value="1"]').check();
    await form.locator('input[name=score-accuracy][value="5"]').check();
    await form.locator('input[name=score-tone][value="1"]').check();
    // (1×1 + 3×1 + 2×0.5) / 6
    expect(await form.locator('[data-testid=qa-total]').textContent()).toBe('Total: 83.33%');
    await form.locator('input[name=score-accuracy][value="3"]').check();
    // (1×1 + 3×0.5 + 2×0.5) / 6
    expect(await form.locator('[data-testid=qa-total]').textContent()).toBe('Total: 58.33%');
    await form.locator('textarea[name=comment-accuracy]').fill('Check the refund policy: it is 14 days.');
    await form.locator('select[name=message-accuracy]').selectOption(replyId);
    await form.locator('textarea[name=qa-summary]').fill('Friendly, but the facts were wrong.');
    await page.screenshot({ path: join(ARTIFACTS, 'qa-scorecard-en.png'), fullPage: true });
    await form.locator('[data-testid=qa-submit]').click();

    // The saved review replaces the form; the queue row says it is done, with the server's total.
    const saved = pane.locator('[data-testid=qa-review]');
    await saved.waitFor();
    expect(await saved.locator('[data-testid=qa-review-total]').textContent()).toBe('58.33%');
    expect(await saved.locator('[data-testid=review-comment-message]').textContent()).toBe('On the message “Refunds take 30 days.”');
    await eventually(async () => (await row.getAttribute('data-reviewed')) === 'true', 10000, 'the row marked reviewed');
    expect(await row.locator('.qa-score-pill').textContent()).toBe('58.33%');
    const stored = (await sut.api('GET', `/qa/reviews?agentId=${people.ana.id}`, { token: people.cora.token })).body;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ conversationId, reviewerId: people.cora.id, totalPercent: 58.33, summary: 'Friendly, but the facts were wrong.' });
    expect(stored[0].scores).toEqual([
      { key: 'greeting', score: 1, comment: null, messageId: null },
      { key: 'accuracy', score: 3, comment: 'Check the refund policy: it is 14 days.', messageId: replyId },
      { key: 'tone', score: 1, comment: null, messageId: null },
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'qa-reviewed-en.png'), fullPage: true });

    // Trends per agent and per criterion.
    await page.click('[data-testid=qa-tab-trends]');
    const ana = page.locator(`[data-testid=qa-trend-agent][data-agent-id="${people.ana.id}"]`);
    await ana.waitFor();
    expect(await ana.locator('[data-testid=qa-trend-average]').textContent()).toBe('58.33%');
    expect(await page.locator('[data-testid=qa-trend-criterion][data-key=accuracy] td').first().textContent()).toBe('Accuracy');
    await page.screenshot({ path: join(ARTIFACTS, 'qa-trends-en.png'), fullPage: true });
    await page.context().close();
  });

  it('the agent reads the review in Ukrainian, acknowledges it and answers once; the coordinator screens stay closed to them', async () => {
    const page = await openAs(people.ana.email, '/qa/mine', { language: 'uk' });
    // The header says a review waits for them.
    const nav = page.locator('[data-testid=nav-qa-mine]');
    expect(await nav.textContent()).toBe(`${uk.qa.mineNav}1`);
    expect(await nav.locator('[data-testid=qa-new-reviews]').textContent()).toBe('1');
    expect(await page.locator('[data-testid=nav-qa]').count()).toBe(0);
    const review = page.locator('[data-testid=qa-review]');
    await review.waitFor();
    await page.locator('[data-testid=qa-page] h1', { hasText: uk.qa.mine.title }).waitFor();
    // A decimal comma, as Ukrainian writes it (the space before % depends on the browser's ICU).
    expect(await review.locator('[data-testid=qa-review-total]').textContent()).toMatch(/^58,33\s?%$/);
    expect(await review.locator('[data-testid=review-criterion-greeting] [data-testid=review-mark]').textContent()).toBe(uk.qa.review.yes);
    expect(await review.locator('[data-testid=review-comment]').textContent()).toContain('Check the refund policy: it is 14 days.');
    await eventually(
      async () => (await review.locator('[data-testid=review-comment-message]').textContent()) === uk.qa.review.messageQuote.replace('{{text}}', 'Refunds take 30 days.'),
      10000,
      'the quoted message',
    );
    // No English label or raw key on the Ukrainian screen.
    const text = await page.locator('[data-testid=qa-page]').innerText();
    for (const english of [en.qa.mine.acknowledge, en.qa.mine.reply, en.qa.review.openConversation, en.qa.mine.title]) expect(text).not.toContain(english);
    expect(text).not.toMatch(/\bqa\.[a-z]/);
    await page.screenshot({ path: join(ARTIFACTS, 'qa-mine-uk.png'), fullPage: true });

    await review.locator('[data-testid=qa-acknowledge]', { hasText: uk.qa.mine.acknowledge }).click();
    await review.locator('[data-testid=qa-acknowledged]').waitFor();
    expect(await nav.textContent()).toBe(uk.qa.mineNav);
    const reviewId = await review.getAttribute('data-review-id');
    expect((await sut.api('GET', `/qa/reviews/${reviewId}`, { token: people.ana.token })).body.acknowledgedAt).not.toBeNull();
    await review.locator('textarea[name=qa-reply]').fill('Дякую, виправлю.');
    await review.locator('[data-testid=qa-send-reply]').click();
    expect(await review.locator('[data-testid=qa-reply] p').textContent()).toBe('Дякую, виправлю.');
    expect(await review.locator('textarea[name=qa-reply]').count()).toBe(0);
    expect((await sut.api('GET', `/qa/reviews/${reviewId}`, { token: people.ana.token })).body.agentReply).toBe('Дякую, виправлю.');
    await page.screenshot({ path: join(ARTIFACTS, 'qa-mine-acknowledged-uk.png'), fullPage: true });

    // The queue is not a place an agent can go: the app sends them back to the inbox.
    await page.goto(sut.url + '/qa');
    await page.waitForURL((u) => u.pathname === '/inbox');
    await page.context().close();
  });

  it("the coordinator sees that the agent acknowledged the review, and the agent's reply", async () => {
    const page = await openAs(people.cora.email, '/qa/trends');
    await page.locator(`[data-testid=qa-trend-agent][data-agent-id="${people.ana.id}"] [data-testid=qa-trend-agent-reviews]`).click();
    const list = page.locator(`[data-testid=qa-agent-reviews][data-agent-id="${people.ana.id}"]`);
    await list.locator('[data-testid=qa-review]').waitFor();
    await list.locator('[data-testid=qa-acknowledged]').waitFor();
    expect(await list.locator('[data-testid=qa-reply] p').textContent()).toBe('Дякую, виправлю.');
    expect(await list.locator('[data-testid=qa-acknowledge], textarea[name=qa-reply]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'qa-agent-reviews-en.png'), fullPage: true });
    await page.context().close();
  });

  it('another agent sees none of it: no queue, no review of someone else, the server refuses', async () => {
    const page = await openAs(people.ben.email, '/qa/mine');
    expect((await page.locator('[data-testid=qa-mine-empty]').textContent()) ?? '').toBe(en.qa.mine.empty);
    for (const path of ['/qa', '/qa/trends', '/qa/scorecards']) {
      await page.goto(sut.url + path);
      await page.waitForURL((u) => u.pathname === '/inbox');
    }
    expect(await page.locator('[data-testid=nav-qa]').count()).toBe(0);
    const reviewId = (await sut.api('GET', '/qa/reviews/mine', { token: people.ana.token })).body[0].id;
    expect((await sut.api('GET', '/qa/queue', { token: people.ben.token })).status).toBe(403);
    expect((await sut.api('GET', '/qa/trends', { token: people.ben.token })).status).toBe(403);
    expect((await sut.api('GET', `/qa/reviews/${reviewId}`, { token: people.ben.token })).status).toBe(403);
    expect((await sut.api('POST', `/qa/reviews/${reviewId}/acknowledge`, { token: people.ben.token })).status).toBe(403);
    await page.context().close();
  });

  it("shows the customer's rating in the conversation header the moment it arrives (Ukrainian)", async () => {
    const page = await openAs(people.cora.email, `/inbox/${conversationId}`, { language: 'uk' });
    const header = page.locator('[data-testid=conversation-view] .conv-header');
    expect(await header.locator('[data-testid=csat-awaiting]').textContent()).toBe(uk.csat.header.awaiting);
    expect(await postForm(`${sut.url}/csat/${surveyToken}`, { rating: '2', comment: 'Надто повільно' })).toBe(200);
    // No reload: the csat.received event brings it.
    const rating = header.locator('[data-testid=csat-rating]');
    await rating.waitFor({ timeout: 15000 });
    expect(await rating.getAttribute('data-rating')).toBe('2');
    expect(await rating.locator('[data-testid=csat-rating-label]').textContent()).toBe('2 / 5');
    expect(await rating.locator('[data-testid=csat-comment]').textContent()).toBe('Надто повільно');
    // The timeline's line says it in the reader's language too.
    const line = uk.csat.activity.withComment.replace('{{line}}', uk.csat.activity.received.replace('{{rating}}', '2 / 5')).replace('{{comment}}', 'Надто повільно');
    await page.locator('[data-testid=activity]', { hasText: line }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'csat-header-uk.png') });
    await page.context().close();
  });

  it('the admin sets the survey of an inbox in its edit form: the defaults as placeholders, the saved values back', async () => {
    const page = await openAs(ADMIN.email, '/admin/inboxes', { password: ADMIN.password });
    const row = page.locator('tr', { has: page.locator(`code:text-is("${inboxId}")`) });
    await row.locator('[data-testid=inbox-edit]').click();
    const form = row.locator('[data-testid=csat-settings]');
    await form.waitFor();
    expect(await form.locator('input[name=csat-enabled]').isChecked()).toBe(true);
    expect(await form.locator('input[name=csat-question-uk]').getAttribute('placeholder')).toBe('Як би ви оцінили отриману допомогу?');
    await form.locator('select[name=csat-scale]').selectOption('thumbs');
    await form.locator('input[name=csat-delay]').fill('30');
    await form.locator('input[name=csat-frequency]').fill('14');
    await form.locator('input[name=csat-question-fr]').fill('Êtes-vous satisfait ?');
    await form.locator('[data-testid=csat-save]').click();
    await form.locator('[data-testid=csat-saved]').waitFor();
    expect((await sut.api('GET', `/inboxes/${inboxId}/csat`, { token: admin })).body).toMatchObject({
      enabled: true,
      scale: 'thumbs',
      delaySeconds: 1800,
      frequencyDays: 14,
      questions: { fr: 'Êtes-vous satisfait ?' },
    });
    await page.screenshot({ path: join(ARTIFACTS, 'csat-settings-en.png'), fullPage: true });
    await page.context().close();
  });
});
