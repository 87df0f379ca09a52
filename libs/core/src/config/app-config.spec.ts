import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, loadDatabaseUrl } from './app-config';

describe('loadConfig', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'cfg-'));

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32/],
    [{ ENCRYPTION_KEY: 'xyz' }, /ENCRYPTION_KEY must be 64 hex/],
    [{ ADMIN_EMAIL: 'not-an-email' }, /ADMIN_EMAIL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ])('fails with one clear line for %j', (env, message) => {
    const sut = () => loadConfig({ DATA_DIR: dataDir(), ...env });
    expect(sut).toThrow(ConfigError);
    expect(sut).toThrow(message);
  });

  it('names every bad variable at once', () => {
    const sut = () => loadConfig({ DATA_DIR: dataDir(), PORT: 'eighty', LOG_LEVEL: 'loud', JWT_SECRET: 'short' });
    expect(sut).toThrow(/PORT .*; .*JWT_SECRET must be at least 32.*; .*LOG_LEVEL/);
  });

  it('generates the JWT secret and encryption key once and keeps them in DATA_DIR', () => {
    const dir = dataDir();
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.jwtSecret).toHaveLength(96);
    expect(b.jwtSecret).toBe(a.jwtSecret);
    expect(b.encryptionKey.equals(a.encryptionKey)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).jwtSecret).toBe(a.jwtSecret);
  });

  it('uses given secrets and defaults', () => {
    const c = loadConfig({ DATA_DIR: dataDir(), JWT_SECRET: 'x'.repeat(40), ENCRYPTION_KEY: 'ab'.repeat(32), PORT: '8080' });
    expect(c).toMatchObject({ port: 8080, jwtSecret: 'x'.repeat(40), publicUrl: 'http://localhost:8080', presenceGraceSeconds: 30, adminEmail: 'admin@example.com' });
    expect(c.encryptionKey.toString('hex')).toBe('ab'.repeat(32));
  });

  it('refuses private outbound targets unless OUTBOUND_ALLOW_PRIVATE says otherwise', () => {
    const base = { DATA_DIR: dataDir(), JWT_SECRET: 'x'.repeat(40), ENCRYPTION_KEY: 'ab'.repeat(32) };
    expect(loadConfig(base).outboundAllowPrivate).toBe(false);
    expect(loadConfig({ ...base, OUTBOUND_ALLOW_PRIVATE: 'true' }).outboundAllowPrivate).toBe(true);
    expect(() => loadConfig({ ...base, OUTBOUND_ALLOW_PRIVATE: 'yes' })).toThrow(/OUTBOUND_ALLOW_PRIVATE/);
  });

  it('turns system mail on only with an SMTP URL and a sender', () => {
    const base = { DATA_DIR: dataDir(), JWT_SECRET: 'x'.repeat(40), ENCRYPTION_KEY: 'ab'.repeat(32) };
    expect(loadConfig(base).systemMail).toBeNull();
    expect(loadConfig({ ...base, SYSTEM_SMTP_URL: 'smtp://u:p@mail.example.com:587', SYSTEM_MAIL_FROM: 'Support <support@example.com>' }).systemMail).toEqual({
      smtpUrl: 'smtp://u:p@mail.example.com:587',
      from: 'Support <support@example.com>',
    });
    expect(() => loadConfig({ ...base, SYSTEM_SMTP_URL: 'smtp://mail.example.com' })).toThrow(/SYSTEM_MAIL_FROM is required/);
    expect(() => loadConfig({ ...base, SYSTEM_SMTP_URL: 'http://mail.example.com', SYSTEM_MAIL_FROM: 'a@example.com' })).toThrow(/SYSTEM_SMTP_URL/);
    expect(() => loadConfig({ ...base, SYSTEM_SMTP_URL: 'smtps://mail.example.com', SYSTEM_MAIL_FROM: 'nobody' })).toThrow(/SYSTEM_MAIL_FROM/);
  });
});

describe('loadDatabaseUrl', () => {
  it('reads DATABASE_URL by the rule of loadConfig, and nothing else', () => {
    expect(loadDatabaseUrl({ DATABASE_URL: 'postgres://u@db:5432/inbox', PORT: 'eighty' })).toBe('postgres://u@db:5432/inbox');
    expect(loadDatabaseUrl({})).toBeUndefined();
    expect(loadDatabaseUrl({ DATABASE_URL: '' })).toBeUndefined();
  });

  it('refuses a URL that is not PostgreSQL with the same clear line', () => {
    const sut = () => loadDatabaseUrl({ DATABASE_URL: 'mysql://x' });
    expect(sut).toThrow(ConfigError);
    expect(sut).toThrow(/DATABASE_URL must start with postgres/);
  });
});
