/**
 * Where a live delivery's time goes: for each inbound message (a new thread, as in figure 2) at a
 * fixed open-loop rate, POST start -> HTTP response, -> `message.created` and ->
 * `conversation.assigned` at an agent's socket (p50/p95/p99), and the server's CPU a message.
 * --statements: also every SQL statement the server sent while measuring (preloads
 * bench/lib/statement-timeline.cjs): how many a message, and each one's count, median and p99 time
 * as the server waited for it; plus the server-side time of the POSTs.
 * --slowest: when the slowest 1% of each were sent.
 * --warm=S: S seconds at 20 msg/s before measuring (the delivery figure's order).
 *   npx node bench/profile-latency.mjs [count=200] [--rate=20] [--agents=4] [--statements] [--slowest] [--warm=S]
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { buildServer, now, sleep } from './lib/env.mjs';
import { openDatabaseServer } from './lib/database.mjs';
import { startInboxServer } from './lib/processes.mjs';
import { api, createAgents, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';
import { summary } from './lib/stats.mjs';
import { cpuMsOf as cpuOf } from './lib/cpu.mjs';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 200);
const arg = (name, d) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d);
const rate = arg('rate', 20);
const agentCount = arg('agents', 4);
const statements = process.argv.includes('--statements');
const timelineFile = join(tmpdir(), `statement-timeline-${process.pid}.json`);
if (statements) {
  const preload = fileURLToPath(new URL('./lib/statement-timeline.cjs', import.meta.url));
  process.env.BENCH_SERVER_NODE_ARGS = `${process.env.BENCH_SERVER_NODE_ARGS ?? ''} --require ${preload}`;
}
buildServer();
const db = await openDatabaseServer(() => {});
const url = await db.createDatabase('profilelatency');
const server = await startInboxServer(serverEnv(url, statements ? { STATEMENT_TIMELINE_FILE: timelineFile } : {}));
const sockets = [];
const show = (name, s) => console.log(`${name.padEnd(24)} n=${s.count} p50=${s.p50.toFixed(2)} p95=${s.p95.toFixed(2)} p99=${s.p99.toFixed(2)} max=${s.max.toFixed(2)} ms`);
try {
  const admin = await loginAdmin(server.url);
  const box = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'lat', channel: 'api' }), 'inbox');
  const agents = await createAgents(server.url, admin, { count: agentCount, prefix: 'lat', capacity: { api: 1000 }, inboxId: box.id });
  const sent = [];
  const response = [];
  const message = [];
  const assigned = [];
  const byConv = new Map();
  const early = new Map();
  for (const a of agents) {
    const s = io(server.url, { auth: { token: a.token }, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    });
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
  // Warm-up (not measured): connections, JIT, prepared statements.
  for (let i = 0; i < 30; i++) await (await post({ externalId: `w${i}`, contact: { identifier: `w${i}` }, text: 'warm' })).arrayBuffer();
  // --warm=S: S seconds at 20 msg/s first, not measured (as the delivery figure runs 20 msg/s before 100).
  const warmSeconds = arg('warm', 0);
  for (let i = 0, t0 = now(); i < warmSeconds * 20; i++) {
    const wait = t0 + i * 50 - now();
    if (wait > 1) await sleep(wait);
    void post({ externalId: `ww${i}`, contact: { identifier: `ww${i}` }, text: 'warm' })
      .then((r) => r.arrayBuffer())
      .catch((err) => console.error(`warm-up message ${i}: ${err.message}`));
  }
  await sleep(500);
  const cpu0 = cpuOf(server.pid);
  if (statements) process.kill(server.pid, 'SIGUSR1');
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
  const deadline = now() + 10000;
  while (now() < deadline && (message.filter(Boolean).length < count || assigned.filter(Boolean).length < count)) await sleep(20);
  const cpu1 = cpuOf(server.pid);
  if (statements) process.kill(server.pid, 'SIGUSR2');
  console.log(`server CPU ${((cpu1 - cpu0) / count).toFixed(2)} ms a message`);
  const lat = (arr) => summary(arr.map((t, i) => t - sent[i]).filter((x) => Number.isFinite(x)));
  show('HTTP response', lat(response));
  show('message.created', lat(message));
  show('conversation.assigned', lat(assigned));
  if (process.argv.includes('--slowest')) {
    // When the slowest 1% were sent (seconds into the run): clustered (a periodic task) or spread.
    for (const [name, arr] of [
      ['message.created', message],
      ['conversation.assigned', assigned],
    ]) {
      const slow = arr
        .map((t, i) => [t - sent[i], i])
        .filter(([d]) => Number.isFinite(d))
        .sort((a, b) => b[0] - a[0])
        .slice(0, Math.ceil(count / 100));
      console.log(`slowest ${name}: ${slow.map(([d, i]) => `${((sent[i] - start) / 1000).toFixed(2)}s:${d.toFixed(0)}ms`).join(' ')}`);
    }
  }
  // The server writes its timeline on SIGUSR2 (above): read once, for both reports below.
  const events = statements ? (await sleep(500), JSON.parse(readFileSync(timelineFile, 'utf8'))) : [];
  if (process.argv.includes('--slowest') && statements) {
    // What else the server sent then: statements that are not a message's own (under one in ten
    // messages) and any statement over 20 ms, with when they began (seconds into the run).
    const origin = events.find((e) => e[0] === 'mark')?.[1] ?? 0;
    // A statement sent with its values inline (the batch's write with its COMMIT) is counted by its name.
    const kindOf = (key) => key.replace(/\(.*$/, '');
    const counts = new Map();
    for (const e of events) counts.set(kindOf(e[3]), (counts.get(kindOf(e[3])) ?? 0) + 1);
    for (const [kind, t0, t1, key] of events) {
      if (kind !== 'sql' || (counts.get(kindOf(key)) >= count / 10 && t1 - t0 < 20)) continue;
      console.log(`  ${((t0 - origin) / 1000).toFixed(2).padStart(6)}s ${(t1 - t0).toFixed(1).padStart(7)} ms  ${key}`);
    }
  }
  if (statements) {
    const by = new Map();
    for (const [, t0, t1, key] of events) {
      const list = by.get(key) ?? [];
      list.push(t1 - t0);
      by.set(key, list);
    }
    const sql = events.filter((e) => e[0] === 'sql').length;
    console.log(`\n${(sql / count).toFixed(1)} statements a message (pg-boss polling included), server-side time of each (ms):`);
    for (const [key, list] of [...by].sort((a, b) => b[1].length - a[1].length)) {
      if (list.length < count / 10) continue;
      const s = summary(list);
      console.log(`${(list.length / count).toFixed(2).padStart(6)}/msg  p50 ${s.p50.toFixed(2).padStart(6)}  p99 ${s.p99.toFixed(2).padStart(6)}  ${key}`);
    }
  }
} finally {
  for (const s of sockets) s.disconnect();
  await server.stop();
  await db.dropDatabase(url);
  await db.close?.();
  rmSync(timelineFile, { force: true });
}
process.exit(0);
