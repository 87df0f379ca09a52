import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { now, sleep } from '../lib/env.mjs';
import { runWorker, startInboxServer } from '../lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from '../lib/api.mjs';
import { withClient } from '../lib/database.mjs';
import { perSecond } from '../lib/stats.mjs';
import { cpuMeter, cpuPer, cpuRow } from '../lib/cpu.mjs';
import { FLOOR_EXISTING_MANY, FLOOR_NEW_MANY } from '../lib/floor-sql.mjs';
import { floorEntry, onClients } from './ingest.mjs';

const TARGET_RATIO = 1.0;
const BATCH = 500;
const EXISTING_THREADS = 200;

/**
 * Figure: messages per second through POST /inboxes/:id/incoming/batch (API channel, 500
 * messages a request, server in its own process), into new and existing threads, against the
 * raw single-row INSERT transactions per second with `pg` on the same database and connection
 * count (the ingest figure's baseline, measured again in this run).
 */
export async function run(ctx) {
  const seconds = ctx.quick ? 3 : 20;
  const boundSeconds = ctx.quick ? 2 : 10;
  const self = fileURLToPath(import.meta.url);
  const ingestFigure = join(dirname(self), 'ingest.mjs');
  const results = [];
  for (const connections of ctx.quick ? [8] : [1, 8]) {
    const databaseUrl = await ctx.db.createDatabase(`batch${connections}`);
    try {
      await withClient(databaseUrl, (c) =>
        c.query(
          `CREATE TABLE bench_raw_insert (id bigserial PRIMARY KEY, inbox_id uuid NOT NULL, external_id text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
        ),
      );
      ctx.log(`  raw INSERT baseline, ${connections} connection(s), ${seconds} s`);
      const raw = await runWorker(ingestFigure, 'rawInserts', { databaseUrl, connections, seconds }, { timeoutMs: seconds * 1000 + 60000 });
      await withClient(databaseUrl, (c) => c.query(`DROP TABLE bench_raw_insert`));
      const server = await startInboxServer(serverEnv(databaseUrl, { DATABASE_POOL_SIZE: String(connections) }));
      let inbox;
      try {
        const admin = await loginAdmin(server.url);
        inbox = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'Bench batch', channel: 'api' }), 'create inbox');
        for (const threads of ['new', 'existing']) {
          const concurrency = Math.max(2, connections);
          ctx.log(`  HTTP batch ingest (${BATCH}/request), ${connections} connection(s), ${threads} threads, ${seconds} s`);
          const r = await runWorker(
            self,
            'httpBatches',
            { base: server.url, inboxId: inbox.id, token: inbox.token, concurrency, seconds, threads, prefix: `batch-${connections}`, databaseUrl, serverPid: server.pid },
            { timeoutMs: seconds * 1000 + 180000 },
          );
          const ratio = r.rate / raw.rate;
          results.push({
            name: `ingest batch HTTP (${BATCH}/request): ${connections} conn, ${threads} threads`,
            value: r.rate,
            unit: 'msg/s',
            baseline: raw.rate,
            baselineUnit: `raw INSERT tx/s (${connections} conn)`,
            ratio,
            target: `>= ${TARGET_RATIO}x raw INSERT`,
            pass: ratio >= TARGET_RATIO,
            settings: {
              databaseConnections: connections,
              concurrency,
              batchSize: BATCH,
              seconds,
              threads,
              messages: r.count,
              requests: r.requests,
              errors: r.errors,
              requestP50ms: +r.p50.toFixed(1),
              requestP99ms: +r.p99.toFixed(1),
              cpuMsPerMessage: cpuPer(r.cpu, r.count),
            },
            charts: [
              {
                kind: 'line',
                title: `Throughput over time (msg/s): batch ingest, ${connections} conn, ${threads} threads, vs raw INSERT`,
                series: [
                  { label: 'batch ingest', values: r.series },
                  { label: 'raw INSERT', values: raw.series },
                ],
              },
            ],
          });
          results.push(cpuRow(`ingest batch HTTP (${BATCH}/request): ${connections} conn, ${threads} threads: CPU per message`, r.cpu, r.count, 'messages'));
        }
      } finally {
        await server.stop();
      }
      for (const threads of ['new', 'existing']) {
        ctx.log(`  schema floor (one raw SQL statement a batch of ${BATCH}, no server), ${connections} connection(s), ${threads} threads, ${boundSeconds} s`);
        const r = await runWorker(
          self,
          'floorBatches',
          { databaseUrl, connections, seconds: boundSeconds, threads, inboxId: inbox.id, prefix: `floor-${connections}` },
          { timeoutMs: boundSeconds * 1000 + 120000 },
        );
        results.push(floorEntry(`ingest batch floor (the same rows, one raw SQL statement a batch, no server): ${connections} conn, ${threads} threads`, r, raw, connections));
      }
    } finally {
      await ctx.db.dropDatabase(databaseUrl);
    }
  }
  return results;
}

/** The messages of batch number `b`: new threads, or the EXISTING_THREADS threads in turn (as httpBatches). */
const batchKeys = (prefix, threads, b) =>
  Array.from({ length: BATCH }, (_, j) => {
    const i = b * BATCH + j;
    return threads === 'new' ? `${prefix}-new-${i}` : `${prefix}-existing-${i % EXISTING_THREADS}`;
  });

/**
 * In a worker: the schema's floor for a batch (bench/lib/floor-sql.mjs): the rows of BATCH
 * messages written by one prepared statement, back to back on `connections` clients.
 */
export async function floorBatches({ databaseUrl, connections, seconds, threads, inboxId, prefix }) {
  const write = (c, text, keys, tag) =>
    c.query({
      name: `floor-${text === FLOOR_NEW_MANY ? 'new' : 'existing'}-many`,
      text,
      values: [inboxId, keys, keys.map((_, j) => `help me with order ${tag}-${j}`), keys.map((_, j) => `${prefix}-${tag}-${j}`)],
    });
  const r = await onClients(
    databaseUrl,
    connections,
    seconds,
    (c, b) => write(c, threads === 'new' ? FLOOR_NEW_MANY : FLOOR_EXISTING_MANY, batchKeys(prefix, threads, b), `${threads}-${b}`),
    {
      setup: async (c) => {
        if (threads === 'existing')
          await write(
            c,
            FLOOR_NEW_MANY,
            Array.from({ length: EXISTING_THREADS }, (_, k) => `${prefix}-existing-${k}`),
            'open',
          );
      },
      meter: true,
    },
  );
  return { ...r, rate: r.rate * BATCH, count: r.count * BATCH };
}

/** In a worker: `concurrency` loops POSTing batches of 500 back to back; counts stored messages per second. */
export async function httpBatches({ base, inboxId, token, concurrency, seconds, threads, prefix, databaseUrl, serverPid }) {
  let next = 0;
  const batch = () => {
    const b = next++;
    return batchKeys(prefix, threads, b).map((identifier, j) => ({
      externalId: `${prefix}-${threads}-${b * BATCH + j}`,
      contact: { identifier },
      text: `help me with order ${b * BATCH + j}`,
    }));
  };
  const post = async (messages) => {
    const res = await fetch(`${base}/api/v1/inboxes/${inboxId}/incoming/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ messages }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    return body.results.filter((r) => r.status === 201).length;
  };
  if (threads === 'existing') {
    // Open every thread first (not timed).
    await post(Array.from({ length: EXISTING_THREADS }, (_, i) => ({ externalId: `${prefix}-open-${i}`, contact: { identifier: `${prefix}-existing-${i}` }, text: 'open' })));
  }
  const meter = await cpuMeter(databaseUrl, [serverPid]);
  const start = now();
  const end = start + seconds * 1000;
  const stamps = [];
  const lat = [];
  let count = 0;
  let requests = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < end) {
        const t = now();
        try {
          const stored = await post(batch());
          const at = now();
          count += stored;
          requests++;
          lat.push(at - t);
          for (let k = 0; k < stored; k++) stamps.push(at);
        } catch (err) {
          if (++errors > 5) throw err;
          await sleep(50);
        }
      }
    }),
  );
  // A batch that ends after the window still counts whole: divide by the time the last one took.
  const elapsed = (Math.max(now(), end) - start) / 1000;
  const cpu = await meter.stop();
  lat.sort((a, b) => a - b);
  return {
    count,
    requests,
    rate: count / elapsed,
    errors,
    series: perSecond(stamps, start),
    p50: lat[Math.floor(lat.length * 0.5)] ?? NaN,
    p99: lat[Math.floor(lat.length * 0.99)] ?? NaN,
    cpu,
  };
}
