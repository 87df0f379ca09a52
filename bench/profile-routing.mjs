/**
 * Where an assignment's time goes: boots one or two servers in this process on a fresh database,
 * fills the queue with `count` waiting conversations while every agent is online at capacity 0,
 * then raises the agents' capacity and times the routing passes that drain the queue. Counts
 * every SQL statement the pg driver sends meanwhile (grouped by shape, with its round-trip time)
 * and the time spent in row-lock statements (FOR UPDATE), which is where lock waits show.
 *   npx node bench/profile-routing.mjs [count=1000] [--agents=100] [--replicas=2]
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BUILD, buildServer, sleep } from './lib/env.mjs';
import { statementStats } from './lib/statement-stats.mjs';
import { openDatabaseServer, redisAnswers } from './lib/database.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD, ENCRYPTION_KEY, JWT_SECRET, api, createAgents, expectOk, loginAdmin } from './lib/api.mjs';

const args = process.argv.slice(2);
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000);
const agentCount = Number(args.find((a) => a.startsWith('--agents='))?.slice(9) ?? 100);
const replicaCount = Number(args.find((a) => a.startsWith('--replicas='))?.slice(11) ?? 1);
const capacity = Math.ceil(count / agentCount);
const require = createRequire(import.meta.url);
// On a saturated machine the servers' background pollers may time out waiting for a pooled
// connection; that is logged by them and must not end the measurement.
process.on('uncaughtException', (err) => console.error(`uncaught: ${err?.message ?? err}`));
process.on('unhandledRejection', (err) => console.error(`unhandled: ${err?.message ?? err}`));
buildServer();
const db = await openDatabaseServer(console.log);
const url = await db.createDatabase('profile-routing');
const pg = require('pg');
const { io } = require('socket.io-client');
let counting = false;
let probe = null; // the script's own client: not counted
const stats = statementStats(pg.Client, { counting: (client) => counting && client !== probe, extra: (text) => ({ lock: /FOR UPDATE|routing_lock/i.test(text) }) });
const { startServer } = require(join(BUILD, 'apps/server/src/server.js'));
const { IngestService } = require(join(BUILD, 'libs/core/src/index.js'));
const { RoutingScheduler } = require(join(BUILD, 'apps/server/src/routing/routing-scheduler.service.js'));
const redis = replicaCount > 1 && (await redisAnswers()) ? { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `profile-${randomBytes(4).toString('hex')}` } : {};
const dirs = [];
const servers = [];
const sockets = [];
try {
  for (let r = 0; r < replicaCount; r++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'inbox-bench-profile-'));
    dirs.push(dataDir);
    servers.push(
      await startServer({
        ...process.env,
        DATABASE_URL: url,
        DATABASE_POOL_SIZE: '12',
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'error',
        LOG_PRETTY: 'false',
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        JWT_SECRET,
        ENCRYPTION_KEY,
        ...redis,
      }),
    );
  }
  const bases = servers.map((s) => s.url.replace('localhost', '127.0.0.1'));
  const admin = await loginAdmin(bases[0]);
  const team = await expectOk(api(bases[0], 'POST', '/teams', admin, { name: 'profile' }), 'team');
  const inbox = await expectOk(api(bases[0], 'POST', '/inboxes', admin, { name: 'profile', channel: 'api', teamId: team.id }), 'inbox');
  const agents = await createAgents(bases[0], admin, { count: agentCount, prefix: 'prof', capacity: { api: 0 }, teamId: team.id, inboxId: inbox.id });
  await Promise.all(
    agents.map(async (a, i) => {
      const s = io(bases[i % bases.length], { auth: { token: a.token }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(s);
      await new Promise((ok, fail) => {
        s.once('connect', ok);
        s.once('connect_error', fail);
      });
    }),
  );
  const ingest = servers[0].app.get(IngestService);
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) => ({
      inboxId: inbox.id,
      channel: 'api',
      externalId: `q-${i + j}`,
      contact: { identifier: `q-${i + j}` },
      text: `queued ${i + j}`,
    }));
    await ingest.ingestBatch(inbox.id, batch);
  }
  const schedulers = servers.map((s) => s.app.get(RoutingScheduler));
  await sleep(500);
  await Promise.all(schedulers.map((s) => s.idle()));
  probe = new pg.Client({ connectionString: url });
  await probe.connect();
  const waiting = async () =>
    Number((await probe.query(`SELECT count(*)::int AS n FROM conversations WHERE status = 'open' AND assignee_id IS NULL AND offered_to_id IS NULL`)).rows[0].n);
  console.log(`${await waiting()} conversations waiting, ${agentCount} agents online at capacity 0, ${replicaCount} replica(s)`);
  await probe.query(`UPDATE users SET capacity = $1::jsonb WHERE role = 'agent'`, [JSON.stringify({ api: capacity })]);
  for (const s of schedulers) Object.assign(s.stats, { passes: 0, assigned: 0, offered: 0, skippedLocked: 0 });
  counting = true;
  const start = performance.now();
  for (const s of schedulers) s.requestPass();
  let left = count;
  while (left > 0 && performance.now() - start < 120_000) {
    await sleep(20);
    left = await waiting();
  }
  const wall = performance.now() - start;
  await Promise.all(schedulers.map((s) => s.idle()));
  counting = false;
  const assigned = count - left;
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, v]) => s + v.n, 0);
  const dbMs = rows.reduce((s, [, v]) => s + v.ms, 0);
  const lockMs = rows.filter(([, v]) => v.lock).reduce((s, [, v]) => s + v.ms, 0);
  console.log(
    `\n== ${assigned} assignments in ${wall.toFixed(0)} ms: ${((assigned / wall) * 1000).toFixed(0)} assignments/s; ` +
      `${(total / assigned).toFixed(2)} statements/assignment, ${(dbMs / assigned).toFixed(2)} ms/assignment in statements (sum over connections), ` +
      `${(lockMs / assigned).toFixed(3)} ms/assignment in row-lock statements`,
  );
  for (const [i, s] of schedulers.entries()) console.log(`replica ${i + 1}: ${JSON.stringify(s.stats)}`);
  for (const [k, v] of rows.slice(0, 30)) console.log(`${(v.n / assigned).toFixed(3).padStart(7)}/asg ${(v.ms / v.n).toFixed(2).padStart(7)} ms  ${k}`);
} finally {
  for (const s of sockets) s.disconnect();
  await probe?.end().catch(() => undefined);
  for (const s of servers) await s.close();
  await db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.exit(0);
