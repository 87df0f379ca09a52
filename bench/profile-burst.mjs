/**
 * A burst on a server that was quiet: with and without the warm pool (DATABASE_POOL_WARM), in
 * turns, each on a fresh server and database. After start-up and 10 API messages one at a time,
 * a burst of N new conversations at once (default 40, over the pool's 10 connections), then,
 * with --idle, 35 s of silence (past the 30 s after which a pool without `min` closes an idle
 * connection) and the same burst again. Prints each burst's HTTP response times (p50, p95, max)
 * and how many connections the server's pool opened during it (pg_stat_activity).
 *   npx node bench/profile-burst.mjs [burst=40] [--rounds=3] [--idle]
 */
import { buildServer, now, sleep } from './lib/env.mjs';
import { openDatabaseServer, withClient } from './lib/database.mjs';
import { startInboxServer } from './lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';
import { summary } from './lib/stats.mjs';

const burst = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 40);
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 3);
const idle = process.argv.includes('--idle');
buildServer();
const db = await openDatabaseServer(() => {});
const backends = (url) =>
  withClient(url, async (c) => Number((await c.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'omnichannel-inbox'`)).rows[0].n));
const results = { false: [], true: [] };
try {
  for (let round = 0; round < rounds; round++) {
    for (const warm of round % 2 ? ['true', 'false'] : ['false', 'true']) {
      const url = await db.createDatabase(`burst${round}${warm}`);
      const server = await startInboxServer(serverEnv(url, { DATABASE_POOL_WARM: warm }));
      try {
        const admin = await loginAdmin(server.url);
        const inbox = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'Burst', channel: 'api' }), 'inbox');
        let n = 0;
        const post = async () => {
          const t = now();
          const res = await fetch(`${server.url}/api/v1/inboxes/${inbox.id}/incoming`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${inbox.token}` },
            body: JSON.stringify({ externalId: `m${n}`, contact: { identifier: `c${n++}` }, text: 'hello' }),
          });
          await res.arrayBuffer();
          if (res.status >= 300) throw new Error(`ingest ${res.status}`);
          return now() - t;
        };
        for (let i = 0; i < 10; i++) await post();
        const bursts = [];
        for (const label of idle ? ['after start', 'after 35 s idle'] : ['after start']) {
          if (label !== 'after start') await sleep(35_000);
          const before = await backends(url);
          const times = await Promise.all(Array.from({ length: burst }, post));
          const opened = (await backends(url)) - before;
          const s = summary(times);
          bursts.push({ label, ...s, opened });
          console.log(
            `warm ${warm.padEnd(5)} round ${round + 1} ${label.padEnd(16)} p50 ${s.p50.toFixed(1).padStart(6)}  p95 ${s.p95.toFixed(1).padStart(6)}  max ${s.max.toFixed(1).padStart(6)} ms  connections opened ${opened}`,
          );
        }
        results[warm].push(...bursts);
      } finally {
        await server.stop();
        await db.dropDatabase(url);
      }
    }
  }
  for (const warm of ['false', 'true']) {
    for (const label of idle ? ['after start', 'after 35 s idle'] : ['after start']) {
      const rows = results[warm].filter((r) => r.label === label);
      const mean = (k) => rows.reduce((a, r) => a + r[k], 0) / rows.length;
      console.log(
        `DATABASE_POOL_WARM=${warm} ${label}: mean of ${rows.length} bursts: p50 ${mean('p50').toFixed(1)} ms, p95 ${mean('p95').toFixed(1)} ms, max ${mean('max').toFixed(1)} ms`,
      );
    }
  }
} finally {
  await db.close();
}
