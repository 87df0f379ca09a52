/**
 * Where PostgreSQL's CPU goes, from Linux `perf` (Debian: apt-get install linux-perf): the whole
 * machine sampled with call stacks while a profiler's phase runs, then every sample of a
 * `postgres` process attributed to the executor's stages it was under. PostgreSQL's binary keeps
 * the symbols of its exported functions, which is enough to name the stages below.
 *   const rec = startPerf(); ...the work...; console.log(await rec.report());
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Stages, inclusive (a sample counts in every stage it is under, so they overlap), in the order
 * of a statement's life. `stringToNode` under ExecConstraints, ExecInitStoredGenerated and the
 * triggers' WHEN clauses is PostgreSQL reading those expressions back from the catalog's text at
 * every statement (they are cached per statement, not per connection).
 */
const STAGES = [
  ['parse and plan (simple query text, cached plan lookup)', /^(pg_parse_query|pg_analyze_and_rewrite\w*|pg_plan_queries|GetCachedPlan)$/],
  ['executor start (plan initialisation)', /^standard_ExecutorStart$/],
  ['  of it: table writes set up (indexes opened, generated columns)', /^ExecInitModifyTable$/],
  ['  of it: generated columns read from the catalog', /^ExecInitStoredGenerated$/],
  ['executor run', /^standard_ExecutorRun$/],
  ['  of it: rows written (heap)', /^(heap_insert|heap_update|heap_multi_insert)$/],
  ['  of it: index entries inserted', /^ExecInsertIndexTuples$/],
  ['  of it: CHECK constraints', /^ExecConstraints$/],
  ['    of which read from the catalog (stringToNode)', null, ['ExecConstraints', 'stringToNode']],
  ['  of it: generated columns computed', /^ExecComputeStoredGenerated$/],
  ['  of it: BEFORE INSERT triggers (the message search vector)', /^ExecBRInsertTriggers$/],
  ['    of which to_tsvector', null, ['ExecBRInsertTriggers', 'to_tsvector_byid']],
  ['  of it: JSON built (events, summaries)', /json/i],
  ['AFTER triggers (foreign keys, agent loads)', /^(AfterTriggerEndQuery|AfterTriggerFireDeferred)$/],
  ['executor end', /^standard_ExecutorEnd$/],
  ['commit', /^CommitTransaction(Command)?$/],
  ['  of it: WAL flush', /^XLogFlush$/],
  ['reading and writing the client connection', /^(secure_read|secure_write|pq_recvbuf|internal_flush|pq_flush)$/],
];

export function perfAvailable() {
  return spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function startPerf() {
  const dir = mkdtempSync(join(tmpdir(), 'perf-pg-'));
  const file = join(dir, 'perf.data');
  const child = spawn('perf', ['record', '-a', '-g', '-q', '-o', file], { stdio: 'ignore' });
  return {
    async report() {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
      const script = spawnSync('perf', ['script', '-i', file, '--comm', 'postgres'], { maxBuffer: 1 << 30, encoding: 'utf8' });
      rmSync(dir, { recursive: true, force: true });
      if (script.status !== 0) return `perf script failed: ${script.stderr.slice(0, 300)}`;
      return summarise(script.stdout);
    },
  };
}

/** The stages' shares of the postgres samples in `perf script` output. */
export function summarise(text) {
  let total = 0;
  const hits = new Map(STAGES.map(([name]) => [name, 0]));
  for (const block of text.split('\n\n')) {
    const lines = block.trim().split('\n');
    if (!lines[0]?.startsWith('postgres')) continue;
    total++;
    // "  38744a parseNodeString+0x2a (/usr/lib/postgresql/15/bin/postgres)" -> "parseNodeString", leaf first.
    const frames = lines.slice(1).map(
      (l) =>
        l
          .trim()
          .split(' ')[1]
          ?.replace(/\+0x[0-9a-f]+$/, '') ?? '',
    );
    for (const [name, re, pair] of STAGES) {
      const under = pair ? frames.some((f, i) => f === pair[1] && frames.slice(i + 1).includes(pair[0])) : frames.some((f) => re.test(f));
      if (under) hits.set(name, hits.get(name) + 1);
    }
  }
  if (!total) return 'no postgres samples (is perf allowed to sample other processes? kernel.perf_event_paranoid)';
  const rows = STAGES.map(([name]) => `  ${((100 * hits.get(name)) / total).toFixed(1).padStart(5)}%  ${name}`);
  return [`PostgreSQL CPU by stage (perf, ${total} samples of postgres processes; inclusive, so stages overlap):`, ...rows].join('\n');
}
