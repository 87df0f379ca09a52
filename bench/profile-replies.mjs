/**
 * `npx node bench/profile-replies.mjs [rate] [--statements]` (after a bench run built the server):
 * agent replies at a fixed rate (50 a second by default, for 10 s) on an API inbox whose webhook is
 * a receiver on 127.0.0.1, each reply sent by its outbound job. Prints the time from the reply's
 * POST to the receiver, and the server's and PostgreSQL's CPU a reply (from /proc). With
 * `--statements` (PostgreSQL started with `shared_preload_libraries = 'pg_stat_statements'`) also
 * the statements a reply and the most expensive ones.
 */
import { createServer } from 'node:http';
import { startInboxServer } from './lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';
import { openDatabaseServer, withClient } from './lib/database.mjs';
import { summary } from './lib/stats.mjs';
import { cpuMeter } from './lib/cpu.mjs';
import { now, sleep } from './lib/env.mjs';

const rate = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 50);
const statements = process.argv.includes('--statements');
const arrived = new Map();
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = JSON.parse(Buffer.concat(chunks).toString()).message?.text;
    if (text) arrived.set(text, now());
    res.end('{}');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const db = await openDatabaseServer(() => undefined);
const url = await db.createDatabase('replies');
const adminUrl = Object.assign(new URL(url), { pathname: '/postgres' }).toString();
const server = await startInboxServer(serverEnv(url, { OUTBOUND_ALLOW_PRIVATE: 'true' }));
try {
  const admin = await loginAdmin(server.url);
  const box = await expectOk(
    api(server.url, 'POST', '/inboxes', admin, { name: 'replies', channel: 'api', webhookUrl: `http://127.0.0.1:${receiver.address().port}/out` }),
    'inbox',
  );
  const conversations = [];
  for (let i = 0; i < 40; i++) {
    const res = await expectOk(
      fetch(`${server.url}/api/v1/inboxes/${box.id}/incoming`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${box.token}` },
        body: JSON.stringify({ externalId: `in-${i}`, contact: { identifier: `c${i}` }, text: `hello ${i}` }),
      }).then(async (r) => ({ status: r.status, body: await r.json() })),
      'ingest',
    );
    conversations.push(res.conversationId);
  }
  const reply = (i, text) => api(server.url, 'POST', `/conversations/${conversations[i % conversations.length]}/messages`, admin, { text });
  for (let i = 0; i < 40; i++) await reply(i, `warm-${i}`);
  await sleep(1500);
  const n = rate * 10;
  if (statements) await withClient(adminUrl, async (c) => c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').then(() => c.query('SELECT pg_stat_statements_reset()')));
  const meter = await cpuMeter(url, [server.pid]);
  const posted = new Map();
  const t0 = now();
  const pending = [];
  for (let i = 0; i < n; i++) {
    while (now() < t0 + (i * 1000) / rate) await sleep(1);
    posted.set(`reply-${i}`, now());
    pending.push(reply(i, `reply-${i}`));
  }
  await Promise.all(pending);
  const deadline = now() + 30000;
  while ([...posted.keys()].some((t) => !arrived.has(t)) && now() < deadline) await sleep(5);
  const cpu = await meter.stop();
  const times = [...posted].filter(([t]) => arrived.has(t)).map(([t, at]) => arrived.get(t) - at);
  const s = summary(times);
  console.log(
    `${rate} replies a second, ${times.length} of ${n} arrived: POST to receiver p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms; ` +
      `CPU a reply: server ${(cpu.serverMs / n).toFixed(2)} ms, PostgreSQL ${cpu.databaseMs === null ? '-' : (cpu.databaseMs / n).toFixed(2)} ms`,
  );
  if (statements) {
    await withClient(adminUrl, async (c) => {
      const dbname = new URL(url).pathname.slice(1);
      const where = `FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1`;
      const total = (await c.query(`SELECT sum(calls)::int AS calls, sum(total_exec_time) AS ms ${where}`, [dbname])).rows[0];
      console.log(`statements: ${(total.calls / n).toFixed(1)} a reply, ${(total.ms / n).toFixed(2)} ms of execution a reply`);
      const top = await c.query(`SELECT calls, total_exec_time AS ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS q ${where} ORDER BY total_exec_time DESC LIMIT 12`, [
        dbname,
      ]);
      for (const r of top.rows) console.log(`${String(r.calls).padStart(7)} ${Number(r.ms).toFixed(1).padStart(8)} ms  ${r.q}`);
    });
  }
} finally {
  await server.stop();
  receiver.close();
  await db.dropDatabase(url);
  await db.close();
}
