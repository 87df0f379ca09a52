import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';
import { parseOrigins, parseTrustedProxies } from './proxy-and-origins';

describe('parseTrustedProxies', () => {
  it.each([
    ['none', false],
    ['0', false],
    ['1', 1],
    ['loopback', ['loopback']],
    ['loopback, 10.0.0.0/8, fd00::/8, 203.0.113.7', ['loopback', '10.0.0.0/8', 'fd00::/8', '203.0.113.7']],
  ])('%s', (raw, expected) => {
    expect(parseTrustedProxies(raw)).toEqual(expected);
  });

  it.each(['everything', '10.0.0.0/40', '1.2.3', ''])('refuses %j', (raw) => {
    expect(() => parseTrustedProxies(raw)).toThrow();
  });
});

describe('parseOrigins', () => {
  it('defaults to the public URL origin', () => {
    expect(parseOrigins(undefined, 'https://support.example.com/inbox')).toEqual(['https://support.example.com']);
  });
  it('takes a list of exact origins', () => {
    expect(parseOrigins('https://a.example.com, http://localhost:5173', 'http://x')).toEqual(['https://a.example.com', 'http://localhost:5173']);
  });
  it.each(['*', 'https://a.example.com/path', 'ftp://a'])('refuses %j', (raw) => {
    expect(() => parseOrigins(raw, 'http://x')).toThrow();
  });
});

describe('loadConfig: proxies, origins, docs', () => {
  const base = () => ({ DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')) });
  it('believes only a loopback proxy, serves docs outside production', () => {
    const c = loadConfig(base());
    expect(c.trustedProxies).toEqual(['loopback']);
    expect(c.corsOrigins).toEqual(['http://localhost:3000']);
    expect(c.apiDocs).toBe(true);
    expect(loadConfig({ ...base(), NODE_ENV: 'production' }).apiDocs).toBe(false);
    expect(loadConfig({ ...base(), NODE_ENV: 'production', API_DOCS: 'true' }).apiDocs).toBe(true);
  });
  it('names the bad variable', () => {
    expect(() => loadConfig({ ...base(), TRUSTED_PROXIES: 'all' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base(), TRUSTED_PROXIES: 'all' })).toThrow(/TRUSTED_PROXIES/);
    expect(() => loadConfig({ ...base(), CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });
});
