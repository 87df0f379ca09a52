/**
 * Where a live delivery's time goes, at a low fixed rate: for each inbound message (a new
 * thread, as in figure 2), POST start -> HTTP response, -> `message.created` and ->
 * `conversation.assigned` at the agent's socket. Prints medians and p99s of each.
 *   npx node bench/profile-latency.mjs [count=200] [--rate=20] [--agents=4]
 */
import { io } from 'socket.io-client';
import { buildServer, now, sleep } from './lib/env.mjs';
import { openDatabaseServer } from './lib/database.mjs';
import { startInboxServer } from './lib/processes.mjs';
import { api, createAgents, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';
import { summary } from './lib/stats.mjs';
import { readFileSync } from 'node:fs';

/** CPU ms (user + system) a process has used, from /proc. */
const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 200);
const arg = (name, d) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const rate = arg('rate', 20);
const agentCount = arg('agents', 4);
buildServer();
const db = await openDatabaseServer(() => {});
const url = await db.createDatabase('profilelatency');
const server = await startInboxServer(serverEnv(url));
const sockets = [];
try {
  const admin = await loginAdmin(server.url);
  const box = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'lat', channel: 'api' }), 'inbox');
  const agents = await createAgents(server.url, admin, { count: agentCount, prefix: 'lat', capacity: { api: 1000 }, inboxId: box.id });
  const sent = [],
    response = [],
    message = [],
    assigned = [];
  const byConv = new Map();
  const early = new Map();
  for (const a of agents) {
    const s = io(server.url, { auth: { token: a.token }, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise((r, j) => (s.once('connect', r), s.once('connect_error', j)));
    sockets.push(s);
    s.on('message.created', ({ data }) => {
      const m = /^lat#(\d+)$/.exec(data?.text ?? '');
      if (m && message[+m[1]] === undefined) message[+m[1]] = now();
    });
    s.on('conversation.assigned', ({ data }) => {
      if (data.agentId !== a.id) return;
      const i = byConv.get(data.conversationId);
      if (i === undefined) early.set(data.conversationId, now());
      else assigned[i] ??= now();
    });
  }
  const post = (body) =>
    fetch(`${server.url}/api/v1/inboxes/${box.id}/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${box.token}` },
      body: JSON.stringify(body),
    });
  for (let i = 0; i < 30; i++) await (await post({ externalId: `w${i}`, contact: { identifier: `w${i}` }, text: 'warm' })).arrayBuffer();
  await sleep(500);
  const cpu0 = cpuOf(server.pid);
  if (process.env.COUNT_SIGNALS) process.kill(server.pid, 'SIGUSR1');
  const start = now();
  const inflight = [];
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - now();
    if (wait > 1) await sleep(wait);
    sent[i] = now();
    inflight.push(
      post({ externalId: `l${i}`, contact: { identifier: `l${i}` }, text: `lat#${i}` }).then(async (r) => {
        response[i] = now();
        const out = await r.json();
        byConv.set(out.conversationId, i);
        if (early.has(out.conversationId)) assigned[i] = early.get(out.conversationId);
      }),
    );
  }
  await Promise.all(inflight);
  const cpu1 = cpuOf(server.pid);
  if (process.env.COUNT_SIGNALS) process.kill(server.pid, 'SIGUSR2');
  await sleep(1000);
  console.log(`server CPU ${((cpu1 - cpu0) / count).toFixed(2)} ms a message (${(((cpu1 - cpu0) / (now() - 1000 - start)) * 100) | 0}% of one core)`);
  const lat = (arr) => summary(arr.map((t, i) => t - sent[i]).filter((x) => Number.isFinite(x)));
  const show = (name, s) => console.log(`${name.padEnd(24)} n=${s.count} p50=${s.p50.toFixed(2)} p95=${s.p95.toFixed(2)} p99=${s.p99.toFixed(2)} max=${s.max.toFixed(2)} ms`);
  show('HTTP response', lat(response));
  show('message.created', lat(message));
  show('conversation.assigned', lat(assigned));
  const gap = summary(message.map((t, i) => t - response[i]).filter((x) => Number.isFinite(x)));
  show('event - response', gap);
} finally {
  for (const s of sockets) s.disconnect();
  await server.stop();
  await db.dropDatabase(url);
  await db.close?.();
}
process.exit(0);
