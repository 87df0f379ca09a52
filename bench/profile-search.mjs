/**
 * Where a search request's time goes beyond its SQL: one server (the search figure's database,
 * N messages, default 100,000), one client, requests in turn. Prints the p50/p95 of a bare
 * GET /health, an authenticated GET /teams, GET /search for each query, the figure's raw SQL for
 * the same query, and (server side, from bench/lib/statement-timeline.cjs) each statement the
 * search sent with its wall time in the server and the request's time in the server. The
 * server stops at the end of the timeline (SIGUSR2).
 *   npx node bench/profile-search.mjs [messages] [--rounds=N] [--q=word]
 */
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { buildServer, now, sleep } from './lib/env.mjs';
import { openDatabaseServer } from './lib/database.mjs';
import { startInboxServer } from './lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';
import { summary } from './lib/stats.mjs';
import { cpuMsOf } from './lib/cpu.mjs';
import { generate, rawSearch } from './figures/search.mjs';

const messages = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100_000);
const arg = (name, d) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const rounds = Number(arg('rounds', 100));
const queries = process.argv.some((a) => a.startsWith('--q=')) ? [arg('q')] : ['rare4242', 'refund', '"order arrived"', 'parcel late'];
const timelineFile = join(tmpdir(), `statement-timeline-${process.pid}.json`);
process.env.BENCH_SERVER_NODE_ARGS = `${process.env.BENCH_SERVER_NODE_ARGS ?? ''} --require ${fileURLToPath(new URL('./lib/statement-timeline.cjs', import.meta.url))}`;
buildServer();
const db = await openDatabaseServer(() => {});
const url = await db.createDatabase('profilesearch');
const server = await startInboxServer(serverEnv(url, { STATEMENT_TIMELINE_FILE: timelineFile, STATEMENT_TIMELINE_ALL_REQUESTS: '1' }));
const client = new pg.Client({ connectionString: url });
const show = (name, values, cpuMs) => {
  const s = summary(values);
  const cpu = cpuMs === undefined ? '' : `  server CPU ${(cpuMs / values.length).toFixed(2)} ms/req`;
  console.log(`${name.padEnd(44)} p50 ${s.p50.toFixed(2).padStart(7)}  p95 ${s.p95.toFixed(2).padStart(7)} ms${cpu}`);
};
/** Wall times of `rounds` calls of each function, in turns (the host's moments fall on all alike), and the server's CPU over them (ms). */
const timedInTurns = async (...fns) => {
  const out = fns.map(() => []);
  for (let i = 0; i < 3; i++) for (const fn of fns) await fn();
  const cpu0 = cpuMsOf(server.pid);
  for (let i = 0; i < rounds; i++) {
    for (const [k, fn] of fns.entries()) {
      const t = now();
      await fn();
      out[k].push(now() - t);
    }
  }
  out.cpuMs = cpuMsOf(server.pid) - cpu0;
  return out;
};
/** One function's wall times, with the server's CPU over them. */
const timed = async (fn) => {
  const out = await timedInTurns(fn);
  return Object.assign(out[0], { cpuMs: out.cpuMs });
};
try {
  const admin = await loginAdmin(server.url);
  const inbox = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'Bench search', channel: 'api' }), 'inbox');
  await generate(url, inbox.id, messages / 10, messages);
  await client.connect();
  const health = await timed(async () => (await fetch(`${server.url}/api/v1/health`)).arrayBuffer());
  show('GET /health', health, health.cpuMs);
  const teams = await timed(() => expectOk(api(server.url, 'GET', '/teams', admin), 'teams'));
  show('GET /teams (admin)', teams, teams.cpuMs);
  process.kill(server.pid, 'SIGUSR1');
  await sleep(100);
  const results = [];
  for (const q of queries) {
    const path = `/search?${new URLSearchParams({ q, type: 'messages', limit: '20' })}`;
    // In turns, as the figure measures.
    const [http, raw] = await timedInTurns(
      () => expectOk(api(server.url, 'GET', path, admin), 'search'),
      () => rawSearch(client, q),
    );
    results.push([q, path, http, raw, await timed(() => expectOk(api(server.url, 'GET', path, admin), 'search'))]);
  }
  // SIGUSR2 also stops the server (Nest's shutdown hooks listen to it): the timeline is read once.
  process.kill(server.pid, 'SIGUSR2');
  await sleep(500);
  const events = JSON.parse(readFileSync(timelineFile, 'utf8'));
  for (const [q, path, http, raw, alone] of results) {
    show(`GET /search ${q}`, http);
    show(`  alone (server CPU)`, alone, alone.cpuMs);
    show(`  raw SQL ${q}`, raw);
    const requests = events.filter((e) => e[0] === 'http' && e[3] === `GET /api/v1${path}`);
    show(
      '  in the server: request',
      requests.map((e) => e[2] - e[1]),
    );
    const byKey = new Map();
    for (const e of events.filter((e) => e[0] === 'sql' && requests.some((r) => r[1] <= e[1] && e[2] <= r[2]))) byKey.set(e[3], [...(byKey.get(e[3]) ?? []), e[2] - e[1]]);
    for (const [key, values] of byKey) show(`  in the server: ${key.slice(0, 34)} (${(values.length / requests.length).toFixed(1)}/req)`, values);
  }
} finally {
  await client.end().catch(() => {});
  rmSync(timelineFile, { force: true });
  await server.stop();
  await db.dropDatabase(url);
  await db.close();
}
