/**
 * Where an ingest's time goes: boots the server in this process on a fresh database,
 * counts every SQL statement (and its round-trip time) the pg driver sends while
 * `count` messages are ingested one at a time, grouped by statement shape.
 *   npx node bench/profile-ingest.mjs [count] [--batch] [--batches=N] [--modes=new,existing,http-new,batch-new,batch-existing]
 *   (batch modes post N batches of `count`; per-message figures are per batch's message;
 *   --explain prints the redelivery precheck's plan for 500 external ids at the end)
 *   (a CPU profile: npx node --cpu-prof bench/profile-ingest.mjs ...)
 *   --perf: PostgreSQL's CPU by executor stage for each mode, from Linux perf (bench/lib/perf-postgres.mjs)
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD, buildServer } from './lib/env.mjs';
import { statementStats } from './lib/statement-stats.mjs';
import { openDatabaseServer, withClient } from './lib/database.mjs';
import { cpuSince, databaseCpu } from './lib/cpu.mjs';
import { perfAvailable, startPerf } from './lib/perf-postgres.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ENCRYPTION_KEY, JWT_SECRET, api, expectOk, loginAdmin } from './lib/api.mjs';

const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 200);
const batches = Number(process.argv.find((a) => a.startsWith('--batches='))?.slice('--batches='.length) ?? 1);
const require = createRequire(import.meta.url);
buildServer();
const db = await openDatabaseServer(console.log);
const url = await db.createDatabase('profile');
// --auto-explain=MS: PostgreSQL's auto_explain logs the plan (with actual times) of every statement
// of this database slower than MS, nested ones included, to the server's log.
const autoExplain = process.argv.find((a) => a.startsWith('--auto-explain='))?.slice('--auto-explain='.length);
if (autoExplain) {
  const name = new URL(url).pathname.slice(1);
  await withClient(url, async (c) => {
    await c.query(`ALTER DATABASE "${name}" SET session_preload_libraries = 'auto_explain'`);
    await c.query(`ALTER DATABASE "${name}" SET auto_explain.log_min_duration = ${Number(autoExplain)}`);
    await c.query(`ALTER DATABASE "${name}" SET auto_explain.log_analyze = on`);
    await c.query(`ALTER DATABASE "${name}" SET auto_explain.log_nested_statements = on`);
  });
}
const pg = require('pg');
let counting = false;
const stats = statementStats(pg.Client, { counting: () => counting });

/**
 * CPU milliseconds of this process and of the database's server processes (from /proc, where the
 * database runs on this machine): the split says whether Node or PostgreSQL bounds an ingest.
 */
async function cpuSnapshot(client) {
  const node = process.cpuUsage();
  const db = await databaseCpu(client).catch(() => new Map());
  return { nodeMs: (node.user + node.system) / 1000, db };
}
const { startServer } = require(join(BUILD, 'apps/server/src/server.js'));
const { IngestService } = require(join(BUILD, 'libs/core/src/index.js'));
const dataDir = mkdtempSync(join(tmpdir(), 'inbox-bench-profile-'));
const server = await startServer({
  ...process.env,
  DATABASE_URL: url,
  DATABASE_POOL_SIZE: '1',
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'error',
  LOG_PRETTY: 'false',
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  JWT_SECRET,
  ENCRYPTION_KEY,
});
let probe = null;
try {
  const base = server.url.replace('localhost', '127.0.0.1');
  const admin = await loginAdmin(base);
  const inbox = await expectOk(api(base, 'POST', '/inboxes', admin, { name: 'profile', channel: 'api' }), 'inbox');
  const ingest = server.app.get(IngestService);
  probe = new pg.Client({ connectionString: url });
  await probe.connect();
  for (let i = 0; i < 20; i++) await ingest.ingest({ inboxId: inbox.id, channel: 'api', externalId: `warm-${i}`, contact: { identifier: `warm-${i}` }, text: 'warm' });
  await new Promise((r) => setTimeout(r, 1000));
  const only = process.argv
    .find((a) => a.startsWith('--modes='))
    ?.slice('--modes='.length)
    .split(',');
  const modes = only ?? (process.argv.includes('--batch') ? ['batch-new', 'batch-existing'] : ['new', 'existing', 'http-new']);
  const perf = process.argv.includes('--perf');
  if (perf && !perfAvailable()) throw new Error('--perf needs Linux perf (apt-get install linux-perf)');
  for (const mode of modes) {
    stats.clear();
    const recording = perf ? startPerf() : null;
    const cpuBefore = await cpuSnapshot(probe);
    counting = true;
    const start = performance.now();
    if (mode.startsWith('batch')) {
      const times = [];
      for (let b = 0; b < batches; b++) {
        const ms = Array.from({ length: count }, (_, i) => ({
          inboxId: inbox.id,
          channel: 'api',
          externalId: `${mode}-${b}-${i}`,
          contact: { identifier: mode === 'batch-existing' ? `warm-${i % 20}` : `${mode}-${b}-${i}` },
          text: `profile ${i}`,
        }));
        const t = performance.now();
        await ingest.ingestBatch(inbox.id, ms);
        times.push(performance.now() - t);
      }
      console.log(`${mode}: ${batches} batch(es) of ${count}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    }
    for (let i = 0; i < (mode.startsWith('batch') ? 0 : count); i++) {
      const m = { externalId: `${mode}-${i}`, contact: { identifier: mode === 'existing' ? `warm-${i % 20}` : `${mode}-${i}` }, text: `profile ${i}` };
      if (mode === 'http-new') await expectOk(api(base, 'POST', `/inboxes/${inbox.id}/incoming`, inbox.token, m), 'ingest');
      else await ingest.ingest({ inboxId: inbox.id, channel: 'api', ...m });
    }
    // Let the after-commit work (routing pass, outbox publishing) finish inside the window.
    await new Promise((r) => setTimeout(r, 1500));
    counting = false;
    const wall = performance.now() - start - 1500;
    const messages = mode.startsWith('batch') ? count * batches : count;
    const cpuAfter = await cpuSnapshot(probe);
    const cpu = `CPU per message: Node ${((cpuAfter.nodeMs - cpuBefore.nodeMs) / messages).toFixed(2)} ms, PostgreSQL ${
      cpuAfter.db.size === 0 ? 'n/a' : (cpuSince(cpuBefore.db, cpuAfter.db) / messages).toFixed(2) + ' ms'
    }`;
    const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const total = rows.reduce((s, [, v]) => s + v.n, 0);
    const dbMs = rows.reduce((s, [, v]) => s + v.ms, 0);
    console.log(
      `\n== ${mode} threads: ${messages} messages${mode.startsWith('batch') ? '' : ' one at a time'}, ${(wall / messages).toFixed(2)} ms/message wall, ${(total / messages).toFixed(1)} statements/message, ${(dbMs / messages).toFixed(2)} ms/message in statements; ${cpu}`,
    );
    for (const [k, v] of rows.slice(0, 25))
      console.log(`${(v.n / messages).toFixed(2).padStart(6)}/msg ${String(v.n).padStart(5)}x ${(v.ms / v.n).toFixed(2).padStart(7)} ms = ${v.ms.toFixed(0).padStart(6)} ms  ${k}`);
    if (recording) console.log(await recording.report());
  }
  if (process.argv.includes('--explain')) {
    // The precheck's plan for a batch's 500 external ids, first custom then generic (the 7th run).
    const ids = Array.from({ length: 500 }, (_, i) => `batch-existing-0-${i}`);
    const { PRECHECK } = require(join(BUILD, 'libs/core/src/repositories/inbound.repository.js'));
    await probe.query(`PREPARE pc(uuid, text[], text) AS ${PRECHECK.text}`);
    for (let k = 0; k < 7; k++) {
      const lit = `'${inbox.id}', ARRAY[${ids.map((x) => `'${x}'`).join(',')}], NULL`;
      const r = await probe.query(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE pc(${lit})`);
      if (k === 0 || k === 6) console.log(r.rows.map((x) => x['QUERY PLAN'].replace(/'\{[^}]*\}'/g, "'{...}'")).join('\n'));
    }
  }
  if (process.env.PROFILE_DUMP_OUTBOX) {
    const r = await probe.query(`SELECT type, count(*)::int AS n, avg(length(payload::text))::int AS bytes FROM outbox_events GROUP BY type`);
    console.table(r.rows);
    const s = await probe.query(`SELECT type, payload::text FROM outbox_events WHERE type IN ('conversation.created','message.created') ORDER BY seq DESC LIMIT 2`);
    for (const x of s.rows) console.log(x.type, x.payload);
  }
} finally {
  await probe?.end();
  await server.close();
  await db.close();
  rmSync(dataDir, { recursive: true, force: true });
}
