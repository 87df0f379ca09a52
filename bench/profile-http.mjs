/**
 * What the HTTP layer costs: one server process (one database connection), 4 clients for 4 s
 * each on a bare GET /health, an authenticated GET /teams and an API-channel ingest into
 * existing threads; requests per second and the server's CPU per request (from /proc).
 *   npx node bench/profile-http.mjs [health|teams|ingestExisting ...]   (default: all three)
 */
import { buildServer } from './lib/env.mjs';
import { openDatabaseServer } from './lib/database.mjs';
import { startInboxServer } from './lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';
import { cpuMsOf } from './lib/cpu.mjs';
buildServer();
const db = await openDatabaseServer(() => {});
const url = await db.createDatabase('profilehttp');
const server = await startInboxServer(serverEnv(url, { DATABASE_POOL_SIZE: '1' }));
const cpu = () => cpuMsOf(server.pid);
try {
  const admin = await loginAdmin(server.url);
  const inbox = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'z', channel: 'api' }), 'inbox');
  const cases = {
    health: () => fetch(`${server.url}/api/v1/health`),
    teams: () => fetch(`${server.url}/api/v1/teams`, { headers: { authorization: `Bearer ${admin}` } }),
    ingestExisting: (i) =>
      fetch(`${server.url}/api/v1/inboxes/${inbox.id}/incoming`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${inbox.token}` },
        body: JSON.stringify({ externalId: `e-${i}-${Math.random()}`, contact: { identifier: `c-${i % 50}` }, text: 'hello' }),
      }),
  };
  const only = process.argv.slice(2);
  for (const [name, fn] of Object.entries(cases).filter(([name]) => !only.length || only.includes(name))) {
    for (let i = 0; i < 100; i++) await (await fn(i)).arrayBuffer();
    const c0 = cpu();
    const t0 = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() - t0 < 4000) {
          const r = await fn(n++);
          await r.arrayBuffer();
          if (r.status >= 300) throw new Error(name + ' ' + r.status);
        }
      }),
    );
    const el = performance.now() - t0;
    const c1 = cpu();
    console.log(`${name}: ${((n / el) * 1000).toFixed(0)} req/s, server CPU ${((c1 - c0) / n).toFixed(2)} ms/req`);
  }
} finally {
  await server.stop();
  await db.dropDatabase(url);
  await db.close();
}
