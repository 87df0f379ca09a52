/**
 * The one-round-trip ingest statement (InboundRepository's STORE_AND_COMMIT) of the working tree
 * against the same statement at a git revision, on one fresh database: both prepared on one
 * connection, sent as the server sends it (BEGIN, generic plan, EXECUTE, COMMIT in one simple query),
 * in alternating rounds so the host's moments fall on both alike. Prints the median wall time and
 * PostgreSQL backend CPU (from /proc) a message, for messages into existing threads (50 threads)
 * and new ones. The schema is the working tree's. Read differences under 5% as none: the same
 * statement on both sides came out 2 to 4% apart in 10 rounds (12% once in 6).
 * `--ours=NAME` and `--theirs=NAME` pick another export of inbound.repository on either side (the
 * working tree's and the revision's; both STORE_AND_COMMIT unless told), e.g. STORE_INTO_OPEN_AND_COMMIT.
 *   npx node bench/ab-ingest-statement.mjs [rev=HEAD~1] [--rounds=8] [--per-round=500] [--modes=existing,new] [--ours=NAME] [--theirs=NAME]
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { BUILD, buildServer, compileRevision } from './lib/env.mjs';
import { cpuMsOf } from './lib/cpu.mjs';
import { openDatabaseServer } from './lib/database.mjs';

const args = process.argv.slice(2);
const arg = (name, d) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const rev = args.find((a) => !a.startsWith('--')) ?? 'HEAD~1';
const rounds = Number(arg('rounds', 8));
const perRound = Number(arg('per-round', 500));
const modes = arg('modes', 'existing,new').split(',');
const require = createRequire(import.meta.url);

buildServer();
const { sha, out, remove: removeRevision } = compileRevision(rev);
const statement = (build, name) => {
  const sql = require(join(build, 'libs/core/src/repositories/inbound.repository.js'))[name];
  if (!sql?.text) throw new Error(`inbound.repository has no prepared statement ${name} in ${build}`);
  return sql.text;
};
const ours = arg('ours', 'STORE_AND_COMMIT');
const theirs = arg('theirs', 'STORE_AND_COMMIT');
const texts = { [`${sha} ${theirs}`]: statement(out, theirs), [`working tree ${ours}`]: statement(BUILD, ours) };

const db = await openDatabaseServer(() => {});
const url = await db.createDatabase('abingest');
try {
  await require(join(BUILD, 'libs/core/src/db/migrate.js')).runMigrations(url);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const {
    rows: [inbox],
  } = await admin.query(`INSERT INTO inboxes (name, channel) VALUES ('ab', 'api') RETURNING id`);
  const {
    rows: [settings],
  } = await admin.query(`SELECT version::text AS v FROM settings_version`);
  // Both statements on one connection (one backend): two connections differed by up to 4% with the same statement.
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const {
    rows: [{ pid }],
  } = await c.query('SELECT pg_backend_pid() AS pid');
  const statementOf = {};
  for (const [name, text] of Object.entries(texts)) {
    statementOf[name] = `ab_${Object.keys(statementOf).length}`;
    await c.query(`PREPARE ${statementOf[name]} AS ${text}`);
  }
  const literal = (v) => (v === null ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);
  let n = 0;
  const run = async (name, mode, count) => {
    const stmt = statementOf[name];
    const t0 = performance.now();
    const c0 = cpuMsOf(pid);
    for (let i = 0; i < count; i++) {
      n++;
      // Both statements' keys interleave in every index (a statement whose keys all sorted after the other's ran 4% faster).
      const thread = mode === 'existing' ? `t-${i % 50}-${stmt}` : `t-${n}-${stmt}`;
      const params = [
        'api',
        `addr-${thread}`,
        null,
        null,
        null,
        null,
        inbox.id,
        thread,
        0,
        null,
        null,
        new Date().toISOString(),
        `hello ${n}`,
        null,
        `ext-${n}`,
        '{}',
        null,
        settings.v,
      ];
      const results = await c.query(`START TRANSACTION; SET LOCAL plan_cache_mode = force_generic_plan; EXECUTE ${stmt}(${params.map(literal).join(', ')}); COMMIT`);
      if (!results[2].rows[0]?.message_id) throw new Error(`${name}, ${mode} thread: no message stored`);
    }
    return { ms: (performance.now() - t0) / count, cpu: (cpuMsOf(pid) - c0) / count };
  };
  const names = Object.keys(texts);
  for (const mode of modes) for (const name of names) await run(name, mode, Math.min(300, perRound));
  const results = {};
  for (let round = 0; round < rounds; round++)
    for (const mode of modes) for (const name of round % 2 ? names : [...names].reverse()) (results[`${mode} threads, ${name}`] ??= []).push(await run(name, mode, perRound));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`ingest statement, ${rev} (${sha}) against the working tree: medians of ${rounds} alternating rounds of ${perRound} messages`);
  for (const [key, rs] of Object.entries(results))
    console.log(`${key.padEnd(60)} wall ${median(rs.map((r) => r.ms)).toFixed(3)} ms   PostgreSQL CPU ${median(rs.map((r) => r.cpu)).toFixed(3)} ms a message`);
  await c.end();
  await admin.end();
} finally {
  await db.dropDatabase(url);
  await db.close();
  removeRevision();
}
