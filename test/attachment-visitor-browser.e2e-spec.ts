import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { io, Socket } from 'socket.io-client';
import { ADMIN, TestApp, bootApp, eventually, uid } from './helpers/app';
import { buildWebApp } from './helpers/web-build';

const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'attachments-visitor');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ORIGIN = 'https://shop.example.com';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
// An 8×8 red PNG and a one-page PDF: real files the browser decodes and shows.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC', 'base64');
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

/** The timeline's attachment previews and the contact panel's visitor info in Debian's Chromium, against the real server. */
describe('attachment previews and web chat visitor info in a real browser', () => {
  let sut: TestApp;
  let admin: string;
  let browser: Browser;
  let webDir: string;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const sockets: Socket[] = [];
  let conversationId: string;
  let contactNumber: number;

  beforeAll(async () => {
    webDir = buildWebApp();
    mkdirSync(ARTIFACTS, { recursive: true });
    sut = await bootApp();
    admin = await sut.login();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Shop ${uid()}`, channel: 'webchat', allowedOrigins: [ORIGIN] } })).body;
    const socket = io(`${sut.url}/widget`, {
      auth: {
        websiteToken: inbox.websiteToken,
        visitor: { pageUrl: 'https://shop.example.com/cart', pageTitle: 'Your cart', referrer: 'https://search.example/', timeZone: 'Asia/Tokyo', utcOffsetMinutes: 540 },
      },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { origin: ORIGIN, 'user-agent': FIREFOX_LINUX },
    });
    sockets.push(socket);
    const session = await new Promise<any>((resolve, reject) => {
      socket.once('session', resolve);
      socket.once('connect_error', reject);
    });
    expect((await socket.timeout(10000).emitWithAck('message.send', { clientId: uid() + uid(), text: 'here are my files' })).ok).toBe(true);
    const list = await eventually(async () => {
      const res = await sut.api('GET', `/conversations?inboxId=${inbox.id}`, { token: admin });
      return res.body.items?.length ? res.body.items : null;
    });
    conversationId = list[0].id;
    contactNumber = list[0].contactNumber;
    expect(session.sessionId).toBeTruthy();
    const files = [
      { fileName: 'photo.png', contentType: 'image/png', data: PNG },
      { fileName: 'invoice.pdf', contentType: 'application/pdf', data: PDF },
      { fileName: 'logs.zip', contentType: 'application/zip', data: Buffer.alloc(3000, 1) },
    ];
    const posted = await sut.api('POST', `/conversations/${conversationId}/messages/with-attachments`, {
      token: admin,
      body: { text: 'the files', private: true, attachments: files.map((f) => ({ fileName: f.fileName, contentType: f.contentType, dataBase64: f.data.toString('base64') })) },
    });
    expect(posted.status).toBe(201);
  });

  afterEach(() => {
    const errors = pageErrors.splice(0);
    expect(errors).toEqual([]);
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await sut?.close();
    delete process.env.WEB_DIST_DIR;
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  async function openConversation(language = 'en'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    contexts.push(context);
    // Init scripts run in every frame, the PDF viewer's too, where there is no storage.
    await context.addInitScript((lng) => window.localStorage?.setItem('i18nextLng', lng), language);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // A blocked frame or image (CSP) shows up here, not as a page error.
    page.on('console', (m) => m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text()) && pageErrors.push(m.text()));
    await page.goto(sut.url + '/');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', ADMIN.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=connection].on');
    await page.goto(`${sut.url}/inbox/${conversationId}`);
    await page.waitForSelector('[data-testid=conversation-view]');
    return page;
  }

  it('shows the image as a thumbnail and full size in a lightbox, the PDF in a viewer, the archive as a download with its size', async () => {
    const page = await openConversation();
    const thumb = page.locator('[data-testid=attachment][data-kind=image] img');
    await thumb.waitFor();
    await eventually(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 8));
    expect(await page.locator('[data-testid=attachment][data-kind=file]').innerText()).toMatch(/logs\.zip\s+2.9 kB/);
    await page.screenshot({ path: join(ARTIFACTS, 'timeline.png') });

    await page.getByRole('button', { name: 'Open photo.png' }).click();
    const dialog = page.getByRole('dialog', { name: 'photo.png' });
    await dialog.waitFor();
    expect(await page.locator('[data-testid=attachment-full]').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(8);
    await page.screenshot({ path: join(ARTIFACTS, 'lightbox.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Open invoice.pdf' }).click();
    const frame = page.locator('[data-testid=attachment-pdf]');
    await frame.waitFor();
    expect(await frame.getAttribute('src')).toMatch(/^blob:/);
    await page.screenshot({ path: join(ARTIFACTS, 'pdf-viewer.png') });
    await page.getByTestId('attachment-close').click();
    await frame.waitFor({ state: 'detached' });
  });

  it('names the visitor "Visitor #N" in the header and the panel, with browser, system, page and local time', async () => {
    const page = await openConversation();
    const label = `Visitor #${contactNumber}`;
    expect(await page.locator('.conv-title h2').innerText()).toBe(label);
    const sidebar = page.getByTestId('contact-sidebar');
    expect(await sidebar.getByTestId('contact-name').innerText()).toBe(label);
    expect(await sidebar.getByTestId('visitor-browser').innerText()).toBe('Firefox 133');
    expect(await sidebar.getByTestId('visitor-os').innerText()).toBe('Linux');
    expect(await sidebar.getByTestId('visitor-page').getAttribute('href')).toBe('https://shop.example.com/cart');
    const want = new Intl.DateTimeFormat('en', { timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(Date.now());
    const clock = await sidebar.getByTestId('visitor-local-time').innerText();
    expect(clock).toContain('Asia/Tokyo');
    // The minute may turn between the two readings: one of the two neighbouring minutes.
    const after = new Intl.DateTimeFormat('en', { timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(Date.now());
    expect([want, after].some((w) => clock.startsWith(w))).toBe(true);
    await sidebar.screenshot({ path: join(ARTIFACTS, 'visitor-panel-en.png') });

    const uk = await openConversation('uk');
    expect(await uk.locator('.conv-title h2').innerText()).toBe(`Відвідувач №${contactNumber}`);
    expect(await uk.getByTestId('contact-sidebar').innerText()).toContain('Місцевий час');
    await uk.getByTestId('contact-sidebar').screenshot({ path: join(ARTIFACTS, 'visitor-panel-uk.png') });
  });
});
