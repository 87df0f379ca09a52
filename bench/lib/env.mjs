import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS = join(ROOT, 'bench/results');
/**
 * A private build of the server: other engineers' test runs rebuild dist/ (rm -rf first)
 * at any moment, which would pull the files from under a server the bench is starting.
 */
export const BUILD = join(RESULTS, 'build');
export const MAIN = join(BUILD, 'apps/server/src/main.js');
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Same swc invocation as `npm run build`, into bench/results/build. */
export function buildServer(log = () => undefined) {
  const started = Date.now();
  compileServer(ROOT, BUILD);
  if (!existsSync(MAIN)) throw new Error(`build did not produce ${MAIN}`);
  log(`built the server into ${BUILD} in ${Date.now() - started} ms`);
}

/** The server's and the libraries' sources under `root` (a checkout) compiled into `out`; packages resolve from this repository's node_modules. */
export function compileServer(root, out) {
  execFileSync(join(ROOT, 'node_modules/.bin/swc'), ['apps/server/src', 'libs', '-d', out, '-C', `jsc.baseUrl=${root}`, '--ignore', '**/*.spec.ts', '--quiet'], {
    cwd: root,
    stdio: 'pipe',
  });
}

/**
 * A git revision's server compiled as the working tree's is (beside it, under bench/results;
 * packages resolve from this repository's node_modules), for A/B runs. Returns the short sha,
 * the build directory and a function that removes both directories.
 */
export function compileRevision(rev) {
  const sha = execFileSync('git', ['rev-parse', '--short', rev], { cwd: ROOT }).toString().trim();
  const src = join(RESULTS, `ab-src-${sha}`);
  const out = join(RESULTS, `ab-build-${sha}`);
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  execSync(`git archive ${sha} apps libs .swcrc | tar -x -C ${src}`, { cwd: ROOT });
  compileServer(src, out);
  return {
    sha,
    out,
    remove: () => {
      rmSync(src, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/**
 * The API's rate limits (per token, per address, per inbox token) are there to refuse one client
 * flooding the server, which is exactly what a load generator on 127.0.0.1 does: the bench's
 * servers get budgets no run reaches. The limiter still runs (and costs what it costs) on every request.
 */
export const UNLIMITED_RATES = { RATE_LIMIT_PER_MINUTE: '1000000000', RATE_LIMIT_IP_PER_MINUTE: '1000000000', RATE_LIMIT_INGEST_PER_MINUTE: '1000000000' };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Wall clock with sub-millisecond resolution that is comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();
