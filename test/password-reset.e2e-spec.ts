import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { ADMIN, TestApp, bootApp, eventually, uid } from './helpers/app';
import { SmtpSink, startSmtpSink } from './helpers/smtp-sink';
import { buildWebApp } from './helpers/web-build';

const ARTIFACTS = join(resolve(__dirname, '..'), 'test-artifacts', 'web');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * "Forgot password" by email through a real SMTP server (the sink): the request answers alike
 * for every address, the mail speaks the user's language, the link sets a password once and ends
 * every session.
 */
describe('password reset by email', () => {
  let sut: TestApp;
  let smtp: SmtpSink;
  let db: Client;
  let admin: string;
  let webDir: string;

  beforeAll(async () => {
    webDir = buildWebApp();
    mkdirSync(ARTIFACTS, { recursive: true });
    smtp = await startSmtpSink();
    sut = await bootApp({ SYSTEM_SMTP_URL: `smtp://${smtp.host}:${smtp.port}`, SYSTEM_MAIL_FROM: 'Support <no-reply@example.com>' });
    db = new Client({ connectionString: sut.databaseUrl });
    await db.connect();
    admin = await sut.login(ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    await db?.end();
    await sut?.close();
    await smtp?.close();
    delete process.env.WEB_DIST_DIR;
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  // Every test speaks from its own address, so the per-address limit of one test never meets another's.
  const from = () => ({ 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250) + 1}` });
  const request = (email: string, headers = from()) => sut.api('POST', '/auth/password-reset', { body: { email }, headers });
  const user = async (locale: string) => {
    const email = `reset-${uid()}@example.com`;
    const res = await sut.api('POST', '/users', { token: admin, body: { email, name: `Reset ${locale}`, password: 'old-password-1', role: 'agent', locale } });
    expect(res.status).toBe(201);
    return email;
  };
  const mailsTo = (email: string) => smtp.received.filter((m) => m.to.includes(email));
  const tokenOf = (text: string) => new RegExp(`${sut.server.config.publicUrl}/reset-password/([A-Za-z0-9_-]{43})`).exec(text)?.[1];
  /** The mail jobs filed for an address, finished or not: the proof that nothing more will be sent. */
  const jobsFor = async (email: string) =>
    (await db.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = 'password-reset-mail' AND data->>'email' = $1`, [email])).rows;

  it('offers the link on the login page (public options)', async () => {
    const res = await sut.api('GET', '/auth/options');
    expect(res).toMatchObject({ status: 200, body: { passwordReset: true } });
  });

  it('mails a link in the user language that sets the password once and ends every session', async () => {
    const email = await user('fr');
    const oldSession = await sut.login(email, 'old-password-1');

    const asked = await request(email.toUpperCase());
    expect(asked).toMatchObject({ status: 202, body: { accepted: true } });
    const mail = await eventually(async () => mailsTo(email)[0], 15000, 'the reset mail');
    expect(mail.parsed.subject).toBe('Réinitialisez votre mot de passe');
    expect(mail.parsed.text).toContain('expire dans une heure');
    expect(mail.parsed.from?.text).toContain('no-reply@example.com');
    const token = tokenOf(mail.parsed.text ?? '');
    expect(token).toBeDefined();
    expect(mail.parsed.html).toContain(`/reset-password/${token}`);

    const tooShort = await sut.api('POST', '/auth/password-reset/confirm', { body: { token, password: 'short' } });
    expect(tooShort.status).toBe(400);
    expect(JSON.stringify(tooShort.body)).toContain('password');

    const done = await sut.api('POST', '/auth/password-reset/confirm', { body: { token, password: 'new-password-2' } });
    expect(done.status).toBe(204);
    expect((await sut.api('POST', '/auth/login', { body: { email, password: 'old-password-1' } })).status).toBe(401);
    expect(await sut.login(email, 'new-password-2')).toEqual(expect.any(String));
    expect((await sut.api('GET', '/auth/me', { token: oldSession })).status).toBe(401);

    const again = await sut.api('POST', '/auth/password-reset/confirm', { body: { token, password: 'third-password-3' } });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { token: expect.any(Array) } } });
    expect(await sut.login(email, 'new-password-2')).toEqual(expect.any(String));
  });

  it('answers an unknown address exactly like a known one and sends nothing', async () => {
    const known = await user('en');
    const unknown = `nobody-${uid()}@example.com`;
    const a = await request(known);
    const b = await request(unknown);
    expect(b.status).toBe(a.status);
    expect(b.body).toEqual(a.body);
    await eventually(async () => (await jobsFor(unknown)).every((j) => j.state === 'completed') && (await jobsFor(unknown)).length === 1, 15000, 'the unknown address job');
    await eventually(async () => mailsTo(known).length === 1, 15000, 'the known address mail');
    expect(mailsTo(unknown)).toHaveLength(0);
    expect(mailsTo(known)[0].parsed.subject).toBe('Reset your password');
  });

  it('refuses an expired link naming the token, and a link that is not ours', async () => {
    const email = await user('uk');
    await request(email);
    const mail = await eventually(async () => mailsTo(email)[0], 15000, 'the reset mail');
    expect(mail.parsed.subject).toBe('Скидання пароля');
    const token = tokenOf(mail.parsed.text ?? '')!;
    await db.query(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE email = $1)`, [email]);
    const expired = await sut.api('POST', '/auth/password-reset/confirm', { body: { token, password: 'new-password-2' } });
    expect(expired.status).toBe(400);
    expect(expired.body.details.fields.token).toBeDefined();
    const forged = await sut.api('POST', '/auth/password-reset/confirm', { body: { token: 'x'.repeat(43), password: 'new-password-2' } });
    expect(forged.status).toBe(400);
    expect(forged.body.details.fields.token).toBeDefined();
    expect(await sut.login(email, 'old-password-1')).toEqual(expect.any(String));
  });

  it('stores only a hash of the token', async () => {
    const email = await user('it');
    await request(email);
    const mail = await eventually(async () => mailsTo(email)[0], 15000, 'the reset mail');
    expect(mail.parsed.subject).toBe('Reimposta la tua password');
    const token = tokenOf(mail.parsed.text ?? '')!;
    const { rows } = await db.query<{ token_hash: string }>(`SELECT token_hash FROM password_resets WHERE user_id = (SELECT id FROM users WHERE email = $1)`, [email]);
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].token_hash).not.toContain(token);
  });

  it('sends an account at most three mails an hour, answering alike, and limits an address to ten requests', async () => {
    const email = await user('es');
    for (let i = 0; i < 4; i++) expect((await request(email)).status).toBe(202);
    expect(await jobsFor(email)).toHaveLength(3);
    await eventually(async () => mailsTo(email).length === 3, 15000, 'three mails');
    expect(mailsTo(email)[0].parsed.subject).toBe('Restablece tu contraseña');

    const ip = { 'x-forwarded-for': '198.51.100.77' };
    for (let i = 0; i < 10; i++) expect((await request(`spray-${i}-${uid()}@example.com`, ip)).status).toBe(202);
    const limited = await request(`spray-x-${uid()}@example.com`, ip);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } });
  });

  it('in Chromium (Ukrainian): forgot password on the login page, the mailed link, a new password, signed in with it', async () => {
    const email = await user('uk');
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'uk-UA', extraHTTPHeaders: from() });
      await context.addInitScript(() => localStorage.setItem('i18nextLng', 'uk'));
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));

      await page.goto(sut.url + '/');
      await page.click('[data-testid=forgot-password]');
      await page.fill('input[name=email]', email);
      await page.click('button[type=submit]');
      expect(await page.textContent('[data-testid=forgot-sent]')).toContain(email);
      await page.screenshot({ path: join(ARTIFACTS, 'password-reset-requested-uk.png') });

      const mail = await eventually(async () => mailsTo(email)[0], 15000, 'the reset mail');
      expect(mail.parsed.subject).toBe('Скидання пароля');
      const token = tokenOf(mail.parsed.text ?? '')!;
      await page.goto(`${sut.url}/reset-password/${token}`);
      await page.fill('input[name=new-password]', 'browser-password-9');
      await page.fill('input[name=repeat-password]', 'browser-password-9');
      await page.click('[data-testid=reset-form] button[type=submit]');
      expect(await page.textContent('[data-testid=reset-done]')).toBe('Пароль збережено. Увійдіть із ним.');
      await page.screenshot({ path: join(ARTIFACTS, 'password-reset-done-uk.png') });

      await page.click('[data-testid=reset-to-login]');
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', 'browser-password-9');
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=connection]');
      expect(errors).toEqual([]);
    } finally {
      await browser?.close();
    }
  });

  it('rejects a malformed request naming the field', async () => {
    const res = await sut.api('POST', '/auth/password-reset', { body: { email: 'not-an-email' }, headers: from() });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('email');
    const confirm = await sut.api('POST', '/auth/password-reset/confirm', { body: { password: 'new-password-2' } });
    expect(confirm.status).toBe(400);
    expect(JSON.stringify(confirm.body)).toContain('token');
  });
});

describe('password reset without system mail', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await bootApp();
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('is not offered and not accepted', async () => {
    expect(await sut.api('GET', '/auth/options')).toMatchObject({ status: 200, body: { passwordReset: false } });
    const res = await sut.api('POST', '/auth/password-reset', { body: { email: ADMIN.email } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('INVALID_STATE');
  });
});
