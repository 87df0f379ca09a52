import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { BUILD, UNLIMITED_RATES, now, sleep } from '../lib/env.mjs';
import { runWorker, startInboxServer } from '../lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv, pool as inPool, ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, ENCRYPTION_KEY } from '../lib/api.mjs';
import { withClient } from '../lib/database.mjs';
import { perSecond } from '../lib/stats.mjs';

/** Issue 21: in-process 0.5x the raw INSERT rate; over HTTP 0.3x on one connection, 0.25x on eight. */
const targetRatio = (path, connections) => (path.startsWith('HTTP') ? (connections === 1 ? 0.3 : 0.25) : 0.5);
const EXISTING_THREADS = 200;

/**
 * Figure 1: messages per second through the real ingest path, over HTTP (API channel,
 * server in its own process) and in-process (IngestService.ingest, no HTTP), with 1 and 8
 * database connections, into new and existing threads. Baseline: raw single-row INSERT
 * transactions per second with `pg` on the same database and the same connection count.
 */
export async function run(ctx) {
  const seconds = ctx.quick ? 3 : 20;
  const self = fileURLToPath(import.meta.url);
  const results = [];
  for (const connections of [1, 8]) {
    const databaseUrl = await ctx.db.createDatabase(`ingest${connections}`);
    try {
      const concurrency = connections * 2 + 2;
      await withClient(databaseUrl, (c) =>
        c.query(
          `CREATE TABLE bench_raw_insert (id bigserial PRIMARY KEY, inbox_id uuid NOT NULL, external_id text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
        ),
      );
      ctx.log(`  raw INSERT baseline, ${connections} connection(s), ${seconds} s`);
      const raw = await runWorker(self, 'rawInserts', { databaseUrl, connections, seconds }, { timeoutMs: seconds * 1000 + 60000 });
      await withClient(databaseUrl, (c) => c.query(`DROP TABLE bench_raw_insert`));

      const server = await startInboxServer(serverEnv(databaseUrl, { DATABASE_POOL_SIZE: String(connections) }));
      let inbox;
      try {
        const admin = await loginAdmin(server.url);
        inbox = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'Bench ingest', channel: 'api' }), 'create inbox');
        for (const threads of ['new', 'existing']) {
          ctx.log(`  HTTP ingest, ${connections} connection(s), ${threads} threads, ${seconds} s`);
          const r = await runWorker(
            self,
            'httpIngest',
            { base: server.url, inboxId: inbox.id, token: inbox.token, concurrency, seconds, threads, prefix: `http-${connections}` },
            { timeoutMs: seconds * 1000 + 120000 },
          );
          results.push(entry('HTTP (API channel)', connections, threads, r, raw, { concurrency, seconds, serverProcess: 'separate', pgBossPool: 4 }));
        }
      } finally {
        await server.stop();
      }
      for (const threads of ['new', 'existing']) {
        ctx.log(`  in-process IngestService.ingest, ${connections} connection(s), ${threads} threads, ${seconds} s`);
        const r = await runWorker(
          self,
          'inProcessIngest',
          { databaseUrl, connections, inboxId: inbox.id, concurrency, seconds, threads, prefix: `inproc-${connections}` },
          { timeoutMs: seconds * 1000 + 120000 },
        );
        results.push(entry('in-process (IngestService)', connections, threads, r, raw, { concurrency, seconds, pgBossPool: 4 }));
      }
    } finally {
      await ctx.db.dropDatabase(databaseUrl);
    }
  }
  return results;
}

function entry(path, connections, threads, r, raw, settings) {
  const ratio = r.rate / raw.rate;
  const target = targetRatio(path, connections);
  return {
    name: `ingest ${path}: ${connections} conn, ${threads} threads`,
    value: r.rate,
    unit: 'msg/s',
    baseline: raw.rate,
    baselineUnit: `raw INSERT tx/s (${connections} conn)`,
    ratio,
    target: `>= ${target}x raw INSERT`,
    pass: ratio >= target,
    settings: {
      ...settings,
      databaseConnections: connections,
      threads,
      existingThreads: threads === 'existing' ? EXISTING_THREADS : undefined,
      messages: r.count,
      errors: r.errors,
      latencyP50ms: +r.p50.toFixed(2),
      latencyP99ms: +r.p99.toFixed(2),
    },
    charts: [
      {
        kind: 'line',
        title: `Throughput over time (msg/s): ${path}, ${connections} conn, ${threads} threads, vs raw INSERT`,
        series: [
          { label: 'ingest', values: r.series },
          { label: 'raw INSERT', values: raw.series },
        ],
      },
    ],
  };
}

/** Drives `one(i)` with `concurrency` loops for `seconds`; counts completions per second. */
async function closedLoop(concurrency, seconds, one) {
  const start = now();
  const end = start + seconds * 1000;
  const done = [];
  const lat = [];
  let errors = 0;
  let next = 0;
  let lastError = null;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < end) {
        const i = next++;
        const t = now();
        try {
          await one(i);
          const at = now();
          done.push(at);
          lat.push(at - t);
        } catch (err) {
          errors++;
          lastError = err;
          if (errors > 50) throw err;
          await sleep(10);
        }
      }
    }),
  );
  const elapsed = (now() - start) / 1000;
  lat.sort((a, b) => a - b);
  if (!done.length && lastError) throw lastError;
  return {
    count: done.length,
    rate: done.length / elapsed,
    errors,
    series: perSecond(done, start),
    p50: lat[Math.floor(lat.length * 0.5)] ?? NaN,
    p99: lat[Math.floor(lat.length * 0.99)] ?? NaN,
  };
}

/** In a worker: `connections` clients, each committing single-row INSERTs back to back. */
export async function rawInserts({ databaseUrl, connections, seconds }) {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      return c;
    }),
  );
  const inbox = '00000000-0000-4000-8000-000000000001';
  try {
    const idle = [...clients];
    return await closedLoop(connections, seconds, async (i) => {
      const c = idle.pop();
      try {
        await c.query(`INSERT INTO bench_raw_insert (inbox_id, external_id, body) VALUES ($1, $2, $3)`, [inbox, `raw-${i}`, `help ${i}`]);
      } finally {
        idle.push(c);
      }
    });
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

const message = (prefix, threads, i) => ({
  externalId: `${prefix}-${threads}-${i}`,
  contact: { identifier: threads === 'new' ? `${prefix}-new-${i}` : `${prefix}-existing-${i % EXISTING_THREADS}` },
  text: `help me with order ${i}`,
});

/** In a worker: POST /inboxes/:id/incoming with the inbox token, as an API-channel client would. */
export async function httpIngest({ base, inboxId, token, concurrency, seconds, threads, prefix }) {
  const post = async (body) => {
    const res = await fetch(`${base}/api/v1/inboxes/${inboxId}/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`ingest answered ${res.status}`);
  };
  // Existing threads: open every thread first (not timed).
  if (threads === 'existing') await inPool(EXISTING_THREADS, concurrency, (i) => post(message(prefix, 'existing', -1 - i)));
  return closedLoop(concurrency, seconds, (i) => post(message(prefix, threads, i)));
}

/** In a worker: boots the real server in this process and calls IngestService.ingest directly. */
export async function inProcessIngest({ databaseUrl, connections, inboxId, concurrency, seconds, threads, prefix }) {
  const require = createRequire(import.meta.url);
  const { startServer } = require(join(BUILD, 'apps/server/src/server.js'));
  const { IngestService } = require(join(BUILD, 'libs/core/src/index.js'));
  const dataDir = mkdtempSync(join(tmpdir(), 'inbox-bench-inproc-'));
  const server = await startServer({
    ...process.env,
    ...UNLIMITED_RATES,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(connections),
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    // 'warn' would print Nest's route-converter notice into the bench output from this process.
    LOG_LEVEL: 'error',
    LOG_PRETTY: 'false',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    JWT_SECRET,
    ENCRYPTION_KEY,
  });
  try {
    const ingest = server.app.get(IngestService);
    const one = (m) => ingest.ingest({ inboxId, channel: 'api', ...m });
    if (threads === 'existing') await inPool(EXISTING_THREADS, concurrency, (i) => one(message(prefix, 'existing', -1 - i)));
    return await closedLoop(concurrency, seconds, async (i) => {
      const r = await one(message(prefix, threads, i));
      if (!r.created) throw new Error('message was not created');
    });
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
