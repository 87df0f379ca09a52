import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { BUILD, UNLIMITED_RATES, now, sleep } from '../lib/env.mjs';
import { runWorker, startBareServer, startInboxServer } from '../lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv, pool as inPool, ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, ENCRYPTION_KEY } from '../lib/api.mjs';
import { withClient } from '../lib/database.mjs';
import { perSecond } from '../lib/stats.mjs';
import { cpuMeter, cpuPer, cpuRow } from '../lib/cpu.mjs';
import { FLOOR_EXISTING, FLOOR_NEW } from '../lib/floor-sql.mjs';

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
  const seconds = ctx.quick ? 1.5 : 20;
  // The bounds (bare HTTP, the schema's floor) are steady loops without warm-up effects: shorter runs.
  const boundSeconds = ctx.quick ? 1 : 10;
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
      ctx.log(`  bare HTTP server + raw INSERT, ${connections} connection(s), ${boundSeconds} s`);
      const bare = await startBareServer({ script: 'bare-http-insert.mjs', env: { DATABASE_URL: databaseUrl, BARE_POOL_SIZE: String(connections) } });
      try {
        const r = await runWorker(
          self,
          'httpIngest',
          { base: bare.url, inboxId: 'bare', token: 'bare', concurrency, seconds: boundSeconds, threads: 'new', prefix: `bare-${connections}`, databaseUrl, serverPid: bare.pid },
          { timeoutMs: boundSeconds * 1000 + 60000 },
        );
        results.push(floorEntry(`ingest bare HTTP (node:http, JSON, the raw INSERT, no framework): ${connections} conn`, r, raw, connections));
        results.push(cpuRow(`ingest bare HTTP (node:http, JSON, the raw INSERT, no framework): ${connections} conn: CPU per message`, r.cpu, r.count, 'messages'));
      } finally {
        await bare.stop();
      }
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
            { base: server.url, inboxId: inbox.id, token: inbox.token, concurrency, seconds, threads, prefix: `http-${connections}`, databaseUrl, serverPid: server.pid },
            { timeoutMs: seconds * 1000 + 120000 },
          );
          results.push(entry('HTTP (API channel)', connections, threads, r, raw, { concurrency, seconds, serverProcess: 'separate', pgBossPool: 4 }));
          results.push(cpuRow(`ingest HTTP (API channel): ${connections} conn, ${threads} threads: CPU per message`, r.cpu, r.count, 'messages'));
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
      for (const threads of ['new', 'existing']) {
        ctx.log(`  schema floor (one raw SQL statement a message, no server), ${connections} connection(s), ${threads} threads, ${boundSeconds} s`);
        const r = await runWorker(
          self,
          'floorIngest',
          { databaseUrl, connections, seconds: boundSeconds, threads, inboxId: inbox.id, prefix: `floor-${connections}` },
          { timeoutMs: boundSeconds * 1000 + 120000 },
        );
        results.push(floorEntry(`ingest floor (the same rows, one raw SQL statement a message, no server): ${connections} conn, ${threads} threads`, r, raw, connections));
      }
      for (const threads of ['new', 'existing']) {
        ctx.log(`  HTTP bound (bare HTTP server writing the floor's rows), ${connections} connection(s), ${threads} threads, ${boundSeconds} s`);
        const bound = await startBareServer({
          script: 'bare-http-floor.mjs',
          env: { DATABASE_URL: databaseUrl, BARE_POOL_SIZE: String(connections), BARE_INBOX_ID: inbox.id, BARE_THREADS: threads },
        });
        try {
          const r = await runWorker(
            self,
            'httpIngest',
            { base: bound.url, inboxId: inbox.id, token: 'bare', concurrency, seconds: boundSeconds, threads, prefix: `bound-${connections}`, databaseUrl, serverPid: bound.pid },
            { timeoutMs: boundSeconds * 1000 + 120000 },
          );
          const name = `ingest HTTP bound (node:http writing the floor's rows, no framework): ${connections} conn, ${threads} threads`;
          results.push(floorEntry(name, r, raw, connections));
          results.push(cpuRow(`${name}: CPU per message`, r.cpu, r.count, 'messages'));
        } finally {
          await bound.stop();
        }
      }
    } finally {
      await ctx.db.dropDatabase(databaseUrl);
    }
  }
  return results;
}

/**
 * A bound on the targets, measured beside them: the schema's floor (bench/lib/floor-sql.mjs) or the
 * bare HTTP server (bench/lib/bare-http-insert.mjs). Its ratio to the raw INSERT is the most that
 * part alone leaves: a target above it cannot be met by any server on this machine.
 */
export function floorEntry(name, r, raw, connections) {
  return {
    name,
    value: r.rate,
    unit: 'msg/s',
    baseline: raw.rate,
    baselineUnit: `raw INSERT tx/s (${connections} conn)`,
    ratio: r.rate / raw.rate,
    target: null,
    pass: null,
    settings: {
      databaseConnections: connections,
      messages: r.count,
      errors: r.errors,
      cpuMsPerMessage: cpuPer(r.cpu, r.count),
    },
  };
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
      cpuMsPerMessage: cpuPer(r.cpu, r.count),
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

/**
 * Runs `closedLoop` over `connections` pg clients of their own: `one(client, i)` gets an idle one.
 * `setup(client)` runs first (not timed); with `meter`, the answer carries the CPU of the loop
 * (PostgreSQL's backends and this process).
 */
export async function onClients(databaseUrl, connections, seconds, one, { setup, meter: metered = false } = {}) {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      return c;
    }),
  );
  try {
    if (setup) await setup(clients[0]);
    const meter = metered ? await cpuMeter(databaseUrl) : null;
    const idle = [...clients];
    const r = await closedLoop(connections, seconds, async (i) => {
      const c = idle.pop();
      try {
        await one(c, i);
      } finally {
        idle.push(c);
      }
    });
    return meter ? { ...r, cpu: await meter.stop() } : r;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/** In a worker: `connections` clients, each committing single-row INSERTs back to back. */
export async function rawInserts({ databaseUrl, connections, seconds }) {
  const inbox = '00000000-0000-4000-8000-000000000001';
  return onClients(databaseUrl, connections, seconds, (c, i) =>
    c.query(`INSERT INTO bench_raw_insert (inbox_id, external_id, body) VALUES ($1, $2, $3)`, [inbox, `raw-${i}`, `help ${i}`]),
  );
}

/**
 * In a worker: the schema's floor (bench/lib/floor-sql.mjs), the rows of one message written by one
 * prepared statement on `connections` clients, into the same new or existing threads as the ingest
 * runs. The CPU it costs (PostgreSQL's and this driver's) comes back with the rate.
 */
export async function floorIngest({ databaseUrl, connections, seconds, threads, inboxId, prefix }) {
  const write = (c, key, i) =>
    c.query({ name: `floor-${threads}`, text: threads === 'new' ? FLOOR_NEW : FLOOR_EXISTING, values: [inboxId, key, `help me with order ${i}`, `${prefix}-${threads}-${i}`] });
  const openThreads = async (c) => {
    if (threads !== 'existing') return;
    for (let k = 0; k < EXISTING_THREADS; k++) await c.query({ name: 'floor-open', text: FLOOR_NEW, values: [inboxId, `${prefix}-existing-${k}`, 'open', `${prefix}-open-${k}`] });
  };
  return onClients(databaseUrl, connections, seconds, (c, i) => write(c, threads === 'new' ? `${prefix}-new-${i}` : `${prefix}-existing-${i % EXISTING_THREADS}`, i), {
    setup: openThreads,
    meter: true,
  });
}

const message = (prefix, threads, i) => ({
  externalId: `${prefix}-${threads}-${i}`,
  contact: { identifier: threads === 'new' ? `${prefix}-new-${i}` : `${prefix}-existing-${i % EXISTING_THREADS}` },
  text: `help me with order ${i}`,
});

/** In a worker: POST /inboxes/:id/incoming with the inbox token, as an API-channel client would. */
export async function httpIngest({ base, inboxId, token, concurrency, seconds, threads, prefix, databaseUrl, serverPid }) {
  const post = async (body) => {
    const res = await fetch(`${base}/api/v1/inboxes/${inboxId}/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`ingest answered ${res.status}`);
  };
  // Existing threads: open every thread the timed loop writes to first (not timed).
  if (threads === 'existing') await inPool(EXISTING_THREADS, concurrency, (k) => post({ ...message(prefix, 'existing', k), externalId: `${prefix}-open-${k}` }));
  const meter = await cpuMeter(databaseUrl, [serverPid]);
  const r = await closedLoop(concurrency, seconds, (i) => post(message(prefix, threads, i)));
  return { ...r, cpu: await meter.stop() };
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
    // Existing threads: open every thread the timed loop writes to first (not timed), as httpIngest does.
    if (threads === 'existing') await inPool(EXISTING_THREADS, concurrency, (k) => one({ ...message(prefix, 'existing', k), externalId: `${prefix}-open-${k}` }));
    // This process is server and load generator at once: its CPU comes back as loadMs.
    const meter = await cpuMeter(databaseUrl);
    const r = await closedLoop(concurrency, seconds, async (i) => {
      const res = await one(message(prefix, threads, i));
      if (!res.created) throw new Error('message was not created');
    });
    return { ...r, cpu: await meter.stop() };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
