import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, Server as HttpServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { Client } from 'pg';
import { chromium, Browser } from 'playwright-core';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { startDovecot, TestDovecot } from './helpers/dovecot';
import { buildMail } from './helpers/mail-factory';
import { startSmtpSink, SmtpSink } from './helpers/smtp-sink';
import { startWebhookReceiver } from './helpers/webhook-receiver';
import { connectSocket, RecordingSocket } from './helpers/sockets';

/** Posts the public page's form as a browser would (urlencoded, no login). */
async function postForm(url: string, fields: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

describe('CSAT surveys', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let dovecot: TestDovecot;
  let sink: SmtpSink;

  beforeAll(async () => {
    [dovecot, sink] = await Promise.all([startDovecot({ support: 'support-pass' }), startSmtpSink()]);
    ({ sut, admin, db } = await bootFixture());
  });

  afterAll(async () => {
    await sut?.close();
    await Promise.all([dovecot?.close(), sink?.close()]);
  });

  const enable = async (inboxId: string, extra: Record<string, unknown> = {}) => {
    const res = await sut.api('PUT', `/inboxes/${inboxId}/csat`, { token: admin, body: { enabled: true, scale: 'stars', delaySeconds: 0, frequencyDays: 0, ...extra } });
    expect(res.status).toBe(200);
    return res.body;
  };
  const resolve = async (conversationId: string) =>
    expect((await sut.api('PATCH', `/conversations/${conversationId}`, { token: admin, body: { status: 'resolved' } })).status).toBe(200);

  describe('settings', () => {
    it('are off by default, offer a default question in the five languages, and are for admins only', async () => {
      const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Settings ${uid()}`, channel: 'api' } })).body;
      const res = await sut.api('GET', `/inboxes/${inbox.id}/csat`, { token: admin });
      expect(res.body).toMatchObject({ enabled: false, scale: 'stars', delaySeconds: 0, frequencyDays: 0 });
      expect(Object.keys(res.body.defaults).sort()).toEqual(['en', 'es', 'fr', 'it', 'uk']);
      const saved = await enable(inbox.id, { scale: 'thumbs', questions: { fr: 'Satisfait ?', xx: 'ignored' }, delaySeconds: 3600, frequencyDays: 30 });
      expect(saved).toMatchObject({ enabled: true, scale: 'thumbs', questions: { fr: 'Satisfait ?' }, delaySeconds: 3600, frequencyDays: 30 });
      expect(saved.questions.xx).toBeUndefined();
      expect((await sut.api('PUT', `/inboxes/${inbox.id}/csat`, { token: admin, body: { enabled: true, scale: 'emoji', delaySeconds: 0, frequencyDays: 0 } })).status).toBe(400);
      const email = `coord-${uid()}@example.com`;
      await sut.api('POST', '/users', { token: admin, body: { email, name: 'Co', password: 'coord-password', role: 'coordinator' } });
      expect((await sut.api('GET', `/inboxes/${inbox.id}/csat`, { token: await sut.login(email, 'coord-password') })).status).toBe(403);
    });
  });

  describe('by email', () => {
    it("mails a rating link in the customer's language after resolution; rated once, changed within 24 h, then locked; forged tokens refused", async () => {
      const address = `support-${uid()}@acme.test`;
      const inbox = (
        await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Mail', channel: 'email', address, imap: dovecot.imapSettings('support'), smtp: sink.smtpSettings() } })
      ).body;
      await enable(inbox.id);
      const mail = buildMail({ from: 'Claire <claire@client.test>', to: address, subject: 'Facture', body: 'Bonjour, ma facture est fausse.' });
      await dovecot.append('support', [mail.raw]);
      const conv = await eventually(async () => (await db.query(`SELECT conversation_id FROM messages WHERE external_id = $1`, [mail.messageId])).rows[0], 20000, 'the mail');
      const conversationId = conv.conversation_id as string;
      await db.query(`UPDATE conversations SET language = 'fr' WHERE id = $1`, [conversationId]);

      // Live to coordinators (the admin's socket is in the coordinators room).
      const socket: RecordingSocket = await connectSocket(sut.url, admin);
      await resolve(conversationId);
      const survey = await eventually(async () => sink.received.find((m) => m.to.includes('claire@client.test') && /\/csat\//.test(m.parsed.text ?? '')), 20000, 'the survey mail');
      expect(survey.parsed.text).toContain("Comment évalueriez-vous l'aide que vous avez reçue ?");
      // The link is on PUBLIC_URL (the tests' server listens on a random port instead).
      const link = `${sut.url}${new URL(/(http:\/\/\S+\/csat\/\S+)/.exec(survey.parsed.text!)![1]).pathname}`;

      // The page: French, no login, no script, a plain form.
      const page = await fetch(link);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<html lang="fr">');
      expect(html).toContain('Évaluez votre échange');
      expect(html).not.toContain('<script');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");

      const first = await postForm(link, { rating: '4', comment: 'Rapide, merci' });
      expect(first.status).toBe(200);
      expect(first.html).toContain('Merci pour votre avis');
      const rated = await sut.api('GET', `/conversations/${conversationId}/csat`, { token: admin });
      expect(rated.body).toMatchObject({ survey: { status: 'sent', channel: 'email', locale: 'fr' }, rating: { rating: 4, scale: 'stars', comment: 'Rapide, merci' } });
      const event = await socket.waitFor('csat.received', (d: any) => d.conversationId === conversationId);
      expect(event).toMatchObject({ rating: 4, low: false, updated: false, inboxId: inbox.id });

      // A second answer within 24 h replaces the first (still one row), and a low one is flagged.
      const second = await postForm(link, { rating: '2', comment: '' });
      expect(second.status).toBe(200);
      const rows = (await db.query(`SELECT rating, comment FROM csat_responses WHERE conversation_id = $1`, [conversationId])).rows;
      expect(rows).toEqual([{ rating: 2, comment: null }]);
      const low = await socket.waitFor('csat.received', (d: any) => d.conversationId === conversationId && d.updated);
      expect(low).toMatchObject({ rating: 2, low: true });
      const timeline = (
        await db.query(`SELECT text FROM messages WHERE conversation_id = $1 AND kind = 'activity' AND metadata->'activity'->>'code' LIKE 'csat_%' ORDER BY created_at`, [
          conversationId,
        ])
      ).rows.map((r) => r.text);
      expect(timeline).toEqual(['Customer rated the conversation: 4/5 — “Rapide, merci”', 'Customer changed their rating: 2/5']);

      // Out-of-range answers are refused and change nothing.
      expect((await postForm(link, { rating: '9' })).status).toBe(400);
      // Past 24 h after the first answer the rating is locked.
      await db.query(`UPDATE csat_responses SET first_rated_at = now() - interval '25 hours', rated_at = now() - interval '25 hours' WHERE conversation_id = $1`, [conversationId]);
      const late = await postForm(link, { rating: '5' });
      expect(late.status).toBe(409);
      expect((await db.query(`SELECT rating FROM csat_responses WHERE conversation_id = $1`, [conversationId])).rows).toEqual([{ rating: 2 }]);

      // A forged or edited token: 404, nothing stored, and the page is not the SPA.
      const forged = link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      const refused = await postForm(forged, { rating: '5' });
      expect(refused.status).toBe(404);
      expect(refused.html).toContain('not valid');
      expect((await fetch(`${sut.url}/csat/not-a-token`)).status).toBe(404);
      socket.close();
    });

    it("asks once per conversation and not again within the contact's quiet period", async () => {
      const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Quiet ${uid()}`, channel: 'api' } })).body;
      await enable(inbox.id, { frequencyDays: 30 });
      const identifier = uid();
      const open = async () =>
        (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier }, text: 'hi' } })).body
          .conversationId as string;
      const a = await open();
      await resolve(a);
      await eventually(async () => (await db.query(`SELECT 1 FROM csat_surveys WHERE conversation_id = $1 AND status = 'sent'`, [a])).rows[0], 15000, 'first survey sent');
      // Reopen and resolve again: still one survey for the conversation.
      await sut.api('PATCH', `/conversations/${a}`, { token: admin, body: { status: 'open' } });
      await resolve(a);
      const b = await open();
      await resolve(b);
      expect((await db.query(`SELECT count(*)::int AS n FROM csat_surveys WHERE conversation_id = $1`, [a])).rows[0].n).toBe(1);
      expect((await db.query(`SELECT count(*)::int AS n FROM csat_surveys WHERE conversation_id = $1`, [b])).rows[0].n).toBe(0);
    });

    it('applies a settings change to the very next resolve (settings are cached per settings version)', async () => {
      const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Toggle ${uid()}`, channel: 'api' } })).body;
      const surveys = async (conversationId: string) => (await db.query(`SELECT count(*)::int AS n FROM csat_surveys WHERE conversation_id = $1`, [conversationId])).rows[0].n;
      const open = async () =>
        (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'hi' } })).body
          .conversationId as string;
      // Off: the resolve reads (and caches) "no survey" under the current version.
      const a = await open();
      await resolve(a);
      expect(await surveys(a)).toBe(0);
      await enable(inbox.id);
      const b = await open();
      await resolve(b);
      expect(await surveys(b)).toBe(1);
      expect((await sut.api('PUT', `/inboxes/${inbox.id}/csat`, { token: admin, body: { enabled: false, scale: 'stars', delaySeconds: 0, frequencyDays: 0 } })).status).toBe(200);
      const c = await open();
      await resolve(c);
      expect(await surveys(c)).toBe(0);
    });
  });

  describe('API channel', () => {
    it('sends the survey as a webhook message carrying the rating URL', async () => {
      const hooks = await startWebhookReceiver();
      try {
        const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Api ${uid()}`, channel: 'api', webhookUrl: hooks.url } })).body;
        await enable(inbox.id);
        const conversationId = (
          await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'hola' } })
        ).body.conversationId as string;
        await resolve(conversationId);
        const hook = await eventually(async () => hooks.received.find((h) => h.json?.conversationId === conversationId && h.json?.message?.survey), 15000, 'the survey webhook');
        expect(hook.json.message.survey).toMatchObject({ scale: 'stars', locale: 'en' });
        expect(hook.json.message.text).toContain(hook.json.message.survey.url);
        const token = hook.json.message.survey.url.split('/csat/')[1];
        expect((await postForm(`${sut.url}/csat/${token}`, { rating: '5' })).status).toBe(200);
        expect((await sut.api('GET', `/conversations/${conversationId}/csat`, { token: admin })).body.rating).toMatchObject({ rating: 5 });
      } finally {
        await hooks.close();
      }
    });
  });

  describe('web chat', () => {
    let browser: Browser;
    let site: { origin: string; server: HttpServer };
    let websiteToken = '';

    beforeAll(async () => {
      const build = spawnSync(process.execPath, [resolvePath('node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/widget/vite.config.mts'], { encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`widget build failed: ${build.stderr}`);
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1><script src="${sut.url}/api/v1/widget/widget.js" data-website-token="${websiteToken}" async></script></body></html>`,
        );
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      site = { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    }, 120000);

    afterAll(async () => {
      await browser?.close();
      if (site) await new Promise((r) => site.server.close(r));
    });

    it('shows stars under the survey after resolution; the rating is stored, survives a reload and counts in the report', async () => {
      const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Chat ${uid()}`, channel: 'webchat', allowedOrigins: [site.origin] } })).body;
      websiteToken = inbox.websiteToken;
      await enable(inbox.id);
      const ctx = await browser.newContext({ locale: 'en-US' });
      try {
        const page = await ctx.newPage();
        await page.goto(site.origin);
        await page.locator('[data-inbox-widget] .launcher').click();
        const input = page.locator('[data-inbox-widget] .composer textarea');
        await input.fill('My parcel is late');
        await input.press('Enter');
        const conversationId = (
          await eventually(
            async () => (await db.query(`SELECT conversation_id FROM messages WHERE inbox_id = $1 AND text = 'My parcel is late'`, [inbox.id])).rows[0],
            15000,
            'the chat message',
          )
        ).conversation_id as string;
        await resolve(conversationId);

        const star4 = page.locator('[data-inbox-widget] .rate button[data-rating="4"]');
        await star4.waitFor({ timeout: 15000 });
        expect(await page.locator('[data-inbox-widget] .rate').getAttribute('aria-label')).toBe('How would you rate the help you received?');
        await page.locator('[data-inbox-widget] .rate input').fill('Quick answer');
        await star4.click();
        await eventually(async () => (await db.query(`SELECT rating, comment FROM csat_responses WHERE conversation_id = $1`, [conversationId])).rows[0], 15000, 'the rating');
        expect((await db.query(`SELECT rating, comment, channel FROM csat_responses WHERE conversation_id = $1`, [conversationId])).rows).toEqual([
          { rating: 4, comment: 'Quick answer', channel: 'webchat' },
        ]);

        await page.reload();
        await page.locator('[data-inbox-widget] .launcher').click();
        const after = page.locator('[data-inbox-widget] .rate button[data-rating="4"]');
        await after.waitFor({ timeout: 15000 });
        await eventually(async () => (await after.getAttribute('aria-pressed')) === 'true', 15000, 'the stored rating shown after reload');
        expect(await page.locator('[data-inbox-widget] .rate button.on').count()).toBe(4);
        mkdirSync('test-artifacts/csat', { recursive: true });
        await page.screenshot({ path: 'test-artifacts/csat/widget-rating.png' });

        const kpis = (await sut.api('GET', `/reports/kpis?inboxId=${inbox.id}`, { token: admin })).body;
        expect(kpis.csat).toMatchObject({ responses: 1, average: 4, distribution: { 1: 0, 2: 0, 3: 0, 4: 1, 5: 0 } });
      } finally {
        await ctx.close();
      }
    });
  });
});
