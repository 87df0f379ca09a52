/**
 * Where an HTTP batch ingest's server time goes: starts the built server under --cpu-prof on a
 * fresh database, posts batches of 500 for `seconds` (new or existing threads, as the batch
 * figure does) and prints the server's hottest functions (self time) from the CPU profile.
 * --statements: instead of the profile, the SQL statements the server sent while measuring
 * (preloads bench/lib/statement-timeline.cjs): how many a batch, wall time of each in the server.
 *   npx node bench/profile-batch-http.mjs [seconds] [--threads=existing|new] [--concurrency=2] [--statements]
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from './lib/env.mjs';
import { openDatabaseServer } from './lib/database.mjs';
import { startInboxServer } from './lib/processes.mjs';
import { api, expectOk, loginAdmin, serverEnv } from './lib/api.mjs';
import { httpBatches } from './figures/ingest-batch.mjs';

const args = process.argv.slice(2);
const seconds = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const threads = args.find((a) => a.startsWith('--threads='))?.split('=')[1] ?? 'existing';
const concurrency = Number(args.find((a) => a.startsWith('--concurrency='))?.split('=')[1] ?? 2);
const statements = args.includes('--statements');
buildServer();
const db = await openDatabaseServer(console.log);
const url = await db.createDatabase('profilebatch');
const profDir = mkdtempSync(join(tmpdir(), 'inbox-batch-prof-'));
const timelineFile = join(profDir, 'timeline.json');
const preload = fileURLToPath(new URL('./lib/statement-timeline.cjs', import.meta.url));
const server = await startInboxServer({
  ...serverEnv(url, { DATABASE_POOL_SIZE: '1' }),
  ...(statements ? { NODE_OPTIONS: `--require ${preload}`, STATEMENT_TIMELINE_FILE: timelineFile } : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` }),
});
let batches = 0;
try {
  const admin = await loginAdmin(server.url);
  const inbox = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'Profile batch', channel: 'api' }), 'create inbox');
  if (statements) process.kill(server.pid, 'SIGUSR1');
  const r = await httpBatches({ base: server.url, inboxId: inbox.id, token: inbox.token, concurrency, seconds, threads, prefix: 'p', databaseUrl: url, serverPid: server.pid });
  if (statements) process.kill(server.pid, 'SIGUSR2');
  batches = r.count / 500;
  console.log(`${threads} threads: ${r.rate.toFixed(0)} msg/s, request p50 ${r.p50.toFixed(0)} ms`);
} finally {
  await server.stop();
  await db.dropDatabase(url);
  await db.close?.();
}
if (statements) {
  const by = new Map();
  const timeline = JSON.parse(readFileSync(timelineFile, 'utf8'));
  if (process.env.KEEP_TIMELINE) writeFileSync(process.env.KEEP_TIMELINE, JSON.stringify(timeline));
  for (const [kind, t0, t1, key] of timeline) {
    if (kind !== 'sql') continue;
    const e = by.get(key) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += t1 - t0;
    by.set(key, e);
  }
  console.log(`statements a batch of 500 (pg-boss polling included), wall time in the server:`);
  for (const [key, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
    console.log(`${(e.n / batches).toFixed(2).padStart(7)}/batch ${(e.ms / batches).toFixed(2).padStart(8)} ms/batch  ${key}`);
  }
  process.exit(0);
}
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
const self = new Map();
const dt = new Map();
prof.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...dt.values()].reduce((a, b) => a + b, 0);
for (const n of prof.nodes) {
  const f = n.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.replace(/.*node_modules\//, '').replace(/.*\/build\//, '')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + (dt.get(n.id) ?? 0));
}
console.log(`server CPU profile: ${(total / 1e6).toFixed(1)} s sampled`);
for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
