import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { BUILD } from '../lib/env.mjs';
import { runWorker } from '../lib/processes.mjs';

const TARGET_MS = 50;

/**
 * Figure 4: one decide() pass over 1,000 agents x 10,000 queued conversations (the
 * engine's own seeded bench input). Baseline: sorting the same queue by priority and
 * age, the least work any pass over that queue must do, timed in the same process.
 */
export async function run(ctx) {
  const seeds = ctx.quick ? [42] : [42, 7, 2026];
  const runs = [];
  for (const seed of seeds) runs.push(await runWorker(fileURLToPath(import.meta.url), 'measure', { agents: 1000, queued: 10000, seed }, { timeoutMs: 120000 }));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ms = median(runs.map((r) => r.ms));
  const baseline = median(runs.map((r) => r.sortMs));
  return [
    {
      name: 'routing: one decide() pass, 1,000 agents x 10,000 queued',
      value: ms,
      unit: 'ms',
      baseline,
      baselineUnit: 'ms (sort of the same queue)',
      ratio: ms / baseline,
      target: `<= ${TARGET_MS} ms`,
      pass: ms <= TARGET_MS,
      settings: { seeds, runsPerSeed: '1 warm-up + 5 timed, median', decisionsPerPass: runs.map((r) => r.decisions), perSeedMs: runs.map((r) => +r.ms.toFixed(2)) },
    },
  ];
}

/** In the worker: the engine's own bench helper, then the sort baseline on the same input. */
export function measure({ agents, queued, seed }) {
  const require = createRequire(import.meta.url);
  const bench = require(join(BUILD, 'libs/routing/src/engine-bench.js'));
  const { ms, decisions } = bench.benchDecidePass({ agents, queued, seed });
  const input = bench.buildBenchInput({ agents, queued, seed });
  const order = (a, b) => b.priority - a.priority || a.waitingSince - b.waitingSince;
  input.queue.slice().sort(order);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    input.queue.slice().sort(order);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms, decisions, sortMs: times[2] };
}
