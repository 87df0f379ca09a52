/**
 * The server of the working tree against a git revision's, through HTTP on one database
 * connection each (as the ingest figure's 1-connection rows): two servers on two fresh databases,
 * four clients in a closed loop, in alternating rounds so the host's moments fall on both alike.
 * Prints, per case and side, the median over rounds of the requests a second and the server's
 * CPU a request (from /proc). Cases: `ingestExisting` (API-channel messages into 50 open
 * threads), `ingestNew` (a new thread each), `health` (a bare GET) and `teams` (an authenticated
 * read). Read differences under 5% as none unless the rounds agree: the same build on both sides
 * came out 0.4 and 0.9% apart in four rounds, and up to 17% apart in two. `--swap` starts the
 * working tree's server first; `AB_OURS_ENV='{"NAME":"value"}'` gives the working tree's server
 * more environment (a switch measured against the revision).
 *   npx node bench/ab-http.mjs [rev=HEAD~1] [--rounds=8] [--seconds=2] [--cases=health,teams,ingestExisting,ingestNew] [--swap]
 */
import { join } from 'node:path';
import { BUILD, buildServer, compileRevision } from './lib/env.mjs';
import { cpuMsOf } from './lib/cpu.mjs';
import { openDatabaseServer } from './lib/database.mjs';
import { startInboxServer } from './lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';

const args = process.argv.slice(2);
const arg = (name, d) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const rev = args.find((a) => !a.startsWith('--')) ?? 'HEAD~1';
const rounds = Number(arg('rounds', 8));
const seconds = Number(arg('seconds', 2));
const cases = arg('cases', 'health,teams,ingestExisting,ingestNew').split(',');

buildServer();
const { sha, out, remove: removeRevision } = compileRevision(rev);

const db = await openDatabaseServer(() => {});
const sides = [];
try {
  const order = [
    [sha, out],
    ['working tree', BUILD],
  ];
  if (args.includes('--swap')) order.reverse();
  for (const [name, build] of order) {
    const url = await db.createDatabase(`abhttp${sides.length}`);
    const server = await startInboxServer(serverEnv(url, { DATABASE_POOL_SIZE: '1', ...(name === 'working tree' ? JSON.parse(process.env.AB_OURS_ENV ?? '{}') : {}) }), {
      main: join(build, 'apps/server/src/main.js'),
    });
    const admin = await loginAdmin(server.url);
    const inbox = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'ab', channel: 'api' }), 'inbox');
    sides.push({ name, url, server, admin, inbox, results: Object.fromEntries(cases.map((c) => [c, []])) });
  }
  const requests = (side) => ({
    ingestExisting: (i) => post(side, { externalId: `e-${i}-${Math.random()}`, contact: { identifier: `c-${i % 50}` }, text: 'hello' }),
    ingestNew: (i) => post(side, { externalId: `n-${i}-${Math.random()}`, contact: { identifier: `n-${i}-${Math.random()}` }, text: 'hello' }),
    health: () => fetch(`${side.server.url}/api/v1/health`),
    teams: () => fetch(`${side.server.url}/api/v1/teams`, { headers: { authorization: `Bearer ${side.admin}` } }),
  });
  const post = (side, body) =>
    fetch(`${side.server.url}/api/v1/inboxes/${side.inbox.id}/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${side.inbox.token}` },
      body: JSON.stringify(body),
    });
  const loop = async (side, fn) => {
    const c0 = cpuMsOf(side.server.pid);
    const t0 = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() - t0 < seconds * 1000) {
          const r = await fn(n++);
          if (r.status >= 300) throw new Error(`${r.status} from ${side.name}: ${await r.text()}`);
          await r.arrayBuffer();
        }
      }),
    );
    return { rate: (n / (performance.now() - t0)) * 1000, cpu: (cpuMsOf(side.server.pid) - c0) / n };
  };
  // Warm-up: JIT, prepared statements, the 50 threads.
  for (const side of sides) for (const c of cases) for (let i = 0; i < 200; i++) await (await requests(side)[c](i)).arrayBuffer();
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      for (const side of r % 2 ? [...sides].reverse() : sides) side.results[c].push(await loop(side, requests(side)[c]));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const c of cases) {
    const [a, b] = sides.map((s) => ({ rate: median(s.results[c].map((x) => x.rate)), cpu: median(s.results[c].map((x) => x.cpu)) }));
    const wins = sides[1].results[c].filter((x, i) => x.rate > sides[0].results[c][i].rate).length;
    console.log(
      `${c.padEnd(15)} ${sides[0].name}: ${a.rate.toFixed(0)} req/s, ${a.cpu.toFixed(3)} ms CPU | ${sides[1].name}: ${b.rate.toFixed(0)} req/s, ${b.cpu.toFixed(3)} ms CPU | ${((b.rate / a.rate - 1) * 100).toFixed(1)}% rate, faster in ${wins}/${rounds} rounds`,
    );
  }
} finally {
  for (const s of sides) {
    await s.server.stop();
    await db.dropDatabase(s.url);
  }
  await db.close();
  removeRevision();
}
