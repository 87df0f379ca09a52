/**
 * Start-up and a quick ingest loop, as a new user meets them: `npm run build` then
 * `node bench/startup.mjs` (through npm's Node: `npx node bench/startup.mjs`).
 * Starts the real server with the embedded database in a fresh DATA_DIR, times the
 * first start (initdb + migrations) and a warm restart to a healthy /api/v1/health,
 * and posts API messages sequentially and from 8 concurrent clients.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'inbox-startup-'));
const freePort = () =>
  new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => ok(p));
    });
  });
const port = await freePort();
const pgPort = await freePort();
const base = `http://127.0.0.1:${port}/api/v1`;

async function boot() {
  const t0 = Date.now();
  const proc = spawn(process.execPath, [join(ROOT, 'dist/apps/server/src/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      EMBEDDED_PG_PORT: String(pgPort),
      ADMIN_PASSWORD: 'startup-password',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 120000) throw new Error(`no healthy server after 120 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { proc, ms: Date.now() - t0 };
}

const stop = (proc) =>
  new Promise((r) => {
    proc.once('exit', r);
    proc.kill('SIGTERM');
  });
const api = async (method, path, token, body) => {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

try {
  const first = await boot();
  const { accessToken } = await api('POST', '/auth/login', null, { email: 'admin@example.com', password: 'startup-password' });
  const inbox = await api('POST', '/inboxes', accessToken, { name: 'startup', channel: 'api' });
  let id = 0;
  const N = 500;
  let t = Date.now();
  for (let k = 0; k < N; k++) await api('POST', `/inboxes/${inbox.id}/incoming`, inbox.token, { externalId: `s-${id++}`, contact: { identifier: `c${k % 50}` }, text: 'hello' });
  const sequential = N / ((Date.now() - t) / 1000);
  t = Date.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < 2 * N) {
        sent++;
        await api('POST', `/inboxes/${inbox.id}/incoming`, inbox.token, { externalId: `p-${id++}`, contact: { identifier: `p${id % 200}` }, text: 'hello' });
      }
    }),
  );
  const parallel = (2 * N) / ((Date.now() - t) / 1000);
  await stop(first.proc);
  const second = await boot();
  await stop(second.proc);
  console.table({
    'first start to healthy (initdb + migrations)': { value: first.ms, unit: 'ms' },
    'warm restart to healthy': { value: second.ms, unit: 'ms' },
    'API ingest, 1 client, sequential': { value: Math.round(sequential), unit: 'msg/s' },
    'API ingest, 8 concurrent clients': { value: Math.round(parallel), unit: 'msg/s' },
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
