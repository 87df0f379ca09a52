/**
 * How fast durable jobs run: event webhooks (each delivery one pg-boss job, like an outbound send
 * or a channel webhook's ingest). A signed-webhook receiver on 127.0.0.1 subscribes to
 * `message.created`; then
 * - one message at a time, `count` times: the time from the API-channel POST to the delivery at
 *   the receiver (p50/p99: a job's pickup latency, the queue idle in between);
 * - a burst: `burst` messages posted at once, the deliveries a second until the last arrives (a
 *   queue's drain rate).
 * Also the server's and PostgreSQL's CPU a second while idle (workers polling their queues).
 *   npx node bench/profile-jobs.mjs [count=40] [--burst=400]
 */
import { createServer } from 'node:http';
import { buildServer, now, sleep } from './lib/env.mjs';
import { openDatabaseServer } from './lib/database.mjs';
import { startInboxServer } from './lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';
import { summary } from './lib/stats.mjs';
import { cpuMeter } from './lib/cpu.mjs';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 40);
const burst = Number(process.argv.find((a) => a.startsWith('--burst='))?.split('=')[1] ?? 400);
buildServer();
const db = await openDatabaseServer(() => {});
const url = await db.createDatabase('profilejobs');
const server = await startInboxServer(serverEnv(url, { OUTBOUND_ALLOW_PRIVATE: 'true' }));
const arrived = new Map();
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = JSON.parse(Buffer.concat(chunks).toString()).data?.text ?? '';
    if (!arrived.has(text)) arrived.set(text, now());
    res.end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const waitFor = async (text, ms = 30000) => {
  const deadline = now() + ms;
  while (!arrived.has(text) && now() < deadline) await sleep(1);
  return arrived.get(text);
};
try {
  const admin = await loginAdmin(server.url);
  const box = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'jobs', channel: 'api' }), 'inbox');
  await expectOk(api(server.url, 'POST', '/webhooks', admin, { url: `http://127.0.0.1:${receiver.address().port}/hook`, events: ['message.created'] }), 'webhook');
  const post = (text, i) =>
    fetch(`${server.url}/api/v1/inboxes/${box.id}/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${box.token}` },
      body: JSON.stringify({ externalId: text, contact: { identifier: `c${i % 50}` }, text }),
    }).then((r) => r.arrayBuffer());
  await post('warm', 0);
  await waitFor('warm');
  await sleep(3000);
  const idle = await cpuMeter(url, [server.pid]);
  await sleep(5000);
  const idleCpu = await idle.stop();
  console.log(`idle: server ${(idleCpu.serverMs / 5).toFixed(1)} ms/s, PostgreSQL ${(idleCpu.databaseMs / 5).toFixed(1)} ms/s of CPU`);
  const latency = [];
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await post(`one-${i}`, i);
    const at = await waitFor(`one-${i}`);
    if (at !== undefined) latency.push(at - t0);
    await sleep(100 + Math.random() * 400);
  }
  const s = summary(latency);
  console.log(`one at a time: POST -> delivery n=${s.count} of ${count} p50=${s.p50.toFixed(1)} p99=${s.p99.toFixed(1)} max=${s.max.toFixed(1)} ms`);
  const t0 = now();
  for (let i = 0; i < burst; i += 50) await Promise.all(Array.from({ length: Math.min(50, burst - i) }, (_, k) => post(`burst-${i + k}`, i + k)));
  const posted = now() - t0;
  let last = 0;
  for (let i = 0; i < burst; i++) last = Math.max(last, (await waitFor(`burst-${i}`, 300000)) ?? Infinity);
  console.log(`burst of ${burst}: posted in ${posted.toFixed(0)} ms, all delivered after ${(last - t0).toFixed(0)} ms: ${((burst / (last - t0)) * 1000).toFixed(1)} deliveries/s`);
} finally {
  receiver.close();
  await server.stop();
  await db.dropDatabase(url);
  await db.close();
}
process.exit(0);
