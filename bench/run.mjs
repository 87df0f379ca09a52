/**
 * Benchmarks: `npm run bench` (full, ~20 minutes) or `npm run bench -- --quick` (< 5 minutes).
 * Options: --only=ingest,batch,delivery,sockets,engine,quality,replicas,search,jobs   --sockets=N (figure 3's N).
 * Prints a table and writes bench/results/latest.json and bench/results/report.html.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync } from 'node:fs';
import { BUILD, RESULTS, buildServer } from './lib/env.mjs';
import { openDatabaseServer, redisAnswers } from './lib/database.mjs';
import { killAll } from './lib/processes.mjs';
import { table, writeHtml, writeJson } from './lib/report.mjs';

const FIGURES = {
  ingest: () => import('./figures/ingest.mjs'),
  batch: () => import('./figures/ingest-batch.mjs'),
  delivery: () => import('./figures/delivery.mjs'),
  sockets: () => import('./figures/sockets.mjs'),
  engine: () => import('./figures/routing-engine.mjs'),
  quality: () => import('./figures/routing-quality.mjs'),
  replicas: () => import('./figures/replicas.mjs'),
  search: () => import('./figures/search.mjs'),
  jobs: () => import('./figures/jobs.mjs'),
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only =
  args
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',') ?? Object.keys(FIGURES);
const socketsArg = args.find((a) => a.startsWith('--sockets='));
for (const name of only) if (!FIGURES[name]) throw new Error(`unknown figure "${name}"; use ${Object.keys(FIGURES).join(', ')}`);

const started = Date.now();
const log = (m) => process.stdout.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);

let db = null;
const shutdown = async (code) => {
  killAll();
  await db?.close().catch(() => undefined);
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  log(`${quick ? 'quick' : 'full'} run of: ${only.join(', ')}`);
  buildServer(log);
  db = await openDatabaseServer(log);
  const redis = await redisAnswers();
  log(`redis on 127.0.0.1:6379: ${redis ? 'answers (used by the two-replica figure)' : 'not running (two-replica figure runs without it)'}`);
  const ctx = { quick, db, redis, log, build: BUILD, sockets: socketsArg ? Number(socketsArg.slice(10)) : null };
  const results = [];
  for (const name of only) {
    const t = Date.now();
    log(`figure ${name}...`);
    try {
      const mod = await FIGURES[name]();
      const out = await mod.run(ctx);
      for (const r of out) results.push({ figure: name, ...r });
      log(`figure ${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    } catch (err) {
      log(`figure ${name} FAILED: ${err?.stack ?? err}`);
      results.push({
        figure: name,
        name: `${name} (failed)`,
        value: null,
        unit: '',
        baseline: null,
        ratio: null,
        target: null,
        pass: false,
        error: String(err?.message ?? err),
        settings: {},
      });
    }
  }
  const meta = {
    mode: quick ? 'quick' : 'full',
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average at start ${loadavg()[0].toFixed(2)}, Node ${process.version}`,
    database: db.kind,
    redis: redis ? 'used (127.0.0.1:6379)' : 'not used',
    command: `npm run bench${args.length ? ' -- ' + args.join(' ') : ''}`,
  };
  const text = table(results);
  process.stdout.write(`\n${text}\n\n`);
  writeJson(RESULTS, results, meta);
  writeHtml(RESULTS, results, meta, text);
  log(`wrote ${RESULTS}/latest.json and ${RESULTS}/report.html in ${meta.seconds} s total`);
  return results.some((r) => r.error) ? 1 : 0;
}

main()
  .then((code) => shutdown(code))
  .catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    void shutdown(1);
  });
