/**
 * What the routing leader costs a new conversation (apps/server/src/routing/routing-leader.ts):
 * two server processes on one database and Redis, agents online on both, new conversations posted
 * at a fixed rate to each replica in turn; prints the time from the request to
 * `conversation.assigned` for those posted to the first replica (the leader) and to the second
 * (a follower, which wakes the leader with a NOTIFY), with the election on and, as before, off
 * (every replica routes what it hears).
 *   npx node bench/profile-leader.mjs [count=400] [--rate=20] [--rounds=2]
 */
import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { buildServer, now, sleep } from './lib/env.mjs';
import { openDatabaseServer, redisAnswers } from './lib/database.mjs';
import { startInboxServer } from './lib/processes.mjs';
import { api, createAgents, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';
import { summary } from './lib/stats.mjs';

const args = process.argv.slice(2);
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 400);
const rate = Number(args.find((a) => a.startsWith('--rate='))?.slice(7) ?? 20);
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 2);

buildServer();
if (!(await redisAnswers())) throw new Error('needs Redis on 127.0.0.1:6379 (the replicas share socket events through it)');
const db = await openDatabaseServer(console.log);
const fmt = (s) => `p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`;

try {
  for (let round = 1; round <= rounds; round++) {
    for (const leader of ['true', 'false']) {
      const url = await db.createDatabase(`profile-leader-${leader}`);
      const env = serverEnv(url, { ROUTING_LEADER: leader, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `leader-${randomBytes(4).toString('hex')}` });
      const servers = [];
      const sockets = [];
      try {
        servers.push(await startInboxServer(env));
        servers.push(await startInboxServer(env));
        const bases = servers.map((s) => s.url);
        const admin = await loginAdmin(bases[0]);
        const inbox = await expectOk(api(bases[0], 'POST', '/inboxes', admin, { name: 'leader', channel: 'api' }), 'inbox');
        const agents = await createAgents(bases[0], admin, { count: 8, prefix: `leader${leader}`, capacity: { api: 1000 }, inboxId: inbox.id });
        const assigned = new Map();
        await Promise.all(
          agents.map(async (a, i) => {
            const s = io(bases[i % 2], { auth: { token: a.token }, transports: ['websocket'], reconnection: false, forceNew: true });
            sockets.push(s);
            s.on('conversation.assigned', ({ data }) => {
              if (!assigned.has(data.conversationId)) assigned.set(data.conversationId, now());
            });
            await new Promise((ok, fail) => {
              s.once('connect', ok);
              s.once('connect_error', fail);
            });
          }),
        );
        await sleep(1500);
        const sent = [];
        const started = now();
        for (let i = 0; i < count; i++) {
          const due = started + (i * 1000) / rate;
          if (due > now()) await sleep(due - now());
          const target = i % 2;
          const at = now();
          const r = await api(bases[target], 'POST', `/inboxes/${inbox.id}/incoming`, inbox.token, { externalId: `l-${i}`, contact: { identifier: `l-${i}` }, text: 'help' });
          sent.push({ target, at, id: r.body.conversationId });
        }
        const deadline = now() + 10000;
        while (sent.some((s) => !assigned.has(s.id)) && now() < deadline) await sleep(50);
        const of = (t) => sent.filter((s) => s.target === t && assigned.has(s.id)).map((s) => assigned.get(s.id) - s.at);
        const lost = sent.filter((s) => !assigned.has(s.id)).length;
        console.log(
          `round ${round}, ROUTING_LEADER=${leader}: posted to replica 1 ${fmt(summary(of(0)))}; to replica 2 ${fmt(summary(of(1)))}` +
            (lost ? `; ${lost} not assigned within 10 s` : ''),
        );
      } finally {
        for (const s of sockets) s.disconnect();
        await Promise.all(servers.map((s) => s.stop()));
        await db.dropDatabase(url);
      }
    }
  }
} finally {
  await db.close();
}
