import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { now, sleep } from '../lib/env.mjs';
import { runWorker, startInboxServer } from '../lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from '../lib/api.mjs';
import { withClient } from '../lib/database.mjs';
import { perSecond } from '../lib/stats.mjs';

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
  const seconds = ctx.quick ? 4 : 20;
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
      try {
        const admin = await loginAdmin(server.url);
        const inbox = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'Bench batch', channel: 'api' }), 'create inbox');
        for (const threads of ['new', 'existing']) {
          const concurrency = Math.max(2, connections);
          ctx.log(`  HTTP batch ingest (${BATCH}/request), ${connections} connection(s), ${threads} threads, ${seconds} s`);
          const r = await runWorker(
            self,
            'httpBatches',
            { base: server.url, inboxId: inbox.id, token: inbox.token, concurrency, seconds, threads, prefix: `batch-${connections}` },
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
        }
      } finally {
        await server.stop();
      }
    } finally {
      await ctx.db.dropDatabase(databaseUrl);
    }
  }
  return results;
}

/** In a worker: `concurrency` loops POSTing batches of 500 back to back; counts stored messages per second. */
export async function httpBatches({ base, inboxId, token, concurrency, seconds, threads, prefix }) {
  let seq = 0;
  const batch = () =>
    Array.from({ length: BATCH }, () => {
      const i = seq++;
      return {
        externalId: `${prefix}-${threads}-${i}`,
        contact: { identifier: threads === 'new' ? `${prefix}-new-${i}` : `${prefix}-existing-${i % EXISTING_THREADS}` },
        text: `help me with order ${i}`,
      };
    });
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
  lat.sort((a, b) => a - b);
  return {
    count,
    requests,
    rate: count / elapsed,
    errors,
    series: perSecond(stamps, start),
    p50: lat[Math.floor(lat.length * 0.5)] ?? NaN,
    p99: lat[Math.floor(lat.length * 0.99)] ?? NaN,
  };
}
