import { JobQueue, PgJob, Transactions } from '@inbox/core';
import { Client } from 'pg';
import { TestApp, bootApp, bootFixture, eventually, uid } from './helpers/app';

/**
 * Durable jobs find their workers by wake-ups, not by polling (libs/core/src/jobs/job-queue.ts):
 * this server polls once an hour (JOB_POLL_SECONDS), so every job that runs here ran because
 * something woke a worker: the NOTIFY of its commit, its own timer, or the end of the job before.
 * Real pg-boss on the real database; the queues are the tests' own.
 */
describe('durable jobs: wake-ups instead of polling', () => {
  let sut: TestApp;
  let jobs: JobQueue;
  let tx: Transactions;
  let db: Client;

  beforeAll(async () => {
    ({ sut, db } = await bootFixture({ JOB_POLL_SECONDS: '3600' }));
    jobs = sut.server.app.get(JobQueue);
    tx = sut.server.app.get(Transactions);
  });

  afterAll(async () => {
    await sut?.close();
  });

  /** A queue of this test's own with `concurrency` workers that record what they ran, and when. */
  async function queue(opts: { retryLimit?: number; concurrency?: number; notifyOnCommit?: boolean; fail?: (job: PgJob<{ n: number }>) => boolean } = {}) {
    const name = `test-${uid()}`;
    const ran: Array<{ n: number; at: number; retryCount: number }> = [];
    await jobs.define({ name, retryLimit: opts.retryLimit ?? 0, retryDelay: 1, retryBackoff: true, notifyOnCommit: opts.notifyOnCommit });
    await jobs.work<{ n: number }>(
      name,
      async (job) => {
        ran.push({ n: job.data.n, at: Date.now(), retryCount: job.retryCount });
        if (opts.fail?.(job)) throw new Error('failing on purpose');
      },
      { concurrency: opts.concurrency ?? 2 },
    );
    return { name, ran };
  }

  it('runs every job of a burst committed at once: its NOTIFY wakes the workers, and each fetches again after its job', async () => {
    // pg-boss LISTENs on a connection of its own (without it, workers fall back to polling every 0.5 s).
    const listening = await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %'`);
    expect(listening.rowCount).toBeGreaterThanOrEqual(1);
    const q = await queue({ concurrency: 2 });
    // One transaction, so one NOTIFY: two workers wake for thirty jobs.
    await tx.run(async ({ em }) => {
      for (let n = 0; n < 30; n++) await jobs.sendInTx(em, q.name, { n });
    });
    await eventually(async () => q.ran.length >= 30, 20000, 'thirty jobs run');
    expect(q.ran.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n));
  });

  it('runs a job filed to start later when it is due, not before', async () => {
    const q = await queue();
    const due = Date.now() + 1500;
    await jobs.send(q.name, { n: 1 }, { startAfter: new Date(due) });
    const [run] = await eventually(async () => (q.ran.length ? q.ran : null), 20000, 'the delayed job');
    expect(run.at).toBeGreaterThanOrEqual(due);
  });

  it('runs a failed job again once its backoff is over', async () => {
    const q = await queue({ retryLimit: 2, fail: (job) => job.retryCount === 0 });
    await jobs.send(q.name, { n: 7 }, {});
    await eventually(async () => q.ran.length >= 2, 20000, 'the retry');
    expect(q.ran.map((r) => [r.n, r.retryCount])).toEqual([
      [7, 0],
      [7, 1],
    ]);
    // pg-boss picks the retry time from [1 s, 2 s] after the failure (retryDelay 1, backoff).
    expect(q.ran[1].at - q.ran[0].at).toBeGreaterThanOrEqual(1000);
  });

  it('runs the jobs of a queue of timers, which commit without a NOTIFY, when due: later, or at once', async () => {
    const q = await queue({ notifyOnCommit: false });
    expect((await db.query(`SELECT notify FROM pgboss.queue WHERE name = $1`, [q.name])).rows[0].notify).toBe(false);
    const due = Date.now() + 1000;
    await tx.run(async ({ em }) => jobs.sendInTx(em, q.name, { n: 1 }, { startAfter: new Date(due) }));
    await eventually(async () => q.ran.length >= 1, 20000, 'the job filed for later');
    expect(q.ran[0].at).toBeGreaterThanOrEqual(due);
    // The workers have found the queue empty since: only this job's own wake-up runs it.
    await tx.run(async ({ em }) => jobs.sendInTx(em, q.name, { n: 2 }, {}));
    await eventually(async () => q.ran.length >= 2, 20000, 'the job filed for now');
    expect(q.ran.map((r) => r.n)).toEqual([1, 2]);
  });

  it('runs one job of a key at a time across its workers, in the order filed, while other keys run beside it', async () => {
    const name = `test-${uid()}`;
    await jobs.define({ name, retryLimit: 0, retryDelay: 1, retryBackoff: false, onePerKey: true });
    expect((await db.query(`SELECT policy FROM pgboss.queue WHERE name = $1`, [name])).rows[0].policy).toBe('singleton');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const running = new Map<string, number>();
    const ran: string[] = [];
    let overlap = 0;
    await jobs.work<{ key: string; n: number }>(
      name,
      async ({ data }) => {
        running.set(data.key, (running.get(data.key) ?? 0) + 1);
        if (running.get(data.key)! > 1) overlap++;
        ran.push(`${data.key}${data.n}`);
        if (data.key === 'a' && data.n === 1) await held;
        else await new Promise((r) => setTimeout(r, 20));
        running.set(data.key, running.get(data.key)! - 1);
      },
      { concurrency: 3 },
    );
    // Jobs of one commit tie in pg-boss's order (one created_on), so a key's jobs go in commits of
    // their own, in order. The first commit's NOTIFY wakes the three workers at once, racing for its jobs.
    for (const commit of [
      [
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ],
      [
        ['a', 2],
        ['b', 2],
      ],
      [['a', 3]],
    ] as const)
      await tx.run(async ({ em }) => {
        for (const [key, n] of commit) await jobs.sendInTx(em, name, { key, n }, { singletonKey: key });
      });
    // a1 holds its key; b and c still run, b2 though it was filed with a2 (this server polls once an hour).
    await eventually(async () => ['b1', 'b2', 'c1'].every((j) => ran.includes(j)), 20000, 'the other keys');
    expect(ran.filter((j) => j.startsWith('a'))).toEqual(['a1']);
    release();
    await eventually(async () => ran.length === 6, 20000, 'key a after its first job');
    expect(ran.filter((j) => j.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(ran.filter((j) => j.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(overlap).toBe(0);
    // A job without a key would wait behind every other keyless job: refused.
    await expect(jobs.send(name, { key: 'x', n: 1 })).rejects.toThrow(/needs a singletonKey/);
  });

  it('runs the jobs left on a retired queue, keeps one whose job is running elsewhere, and deletes one that is empty', async () => {
    const successor = `test-${uid()}`;
    await jobs.define({ name: successor, retryLimit: 0, retryDelay: 1, retryBackoff: false, onePerKey: true });
    const [left, empty, busy] = [`test-${uid()}`, `test-${uid()}`, `test-${uid()}`];
    for (const name of [left, empty, busy]) await jobs.define({ name, retryLimit: 0, retryDelay: 1, retryBackoff: false, expireInSeconds: 3600 });
    await jobs.send(left, { n: 1 });
    await jobs.send(left, { n: 2 });
    // A job another replica (still on the old code) is running: its queue is not empty.
    await jobs.send(busy, { n: 3 });
    await db.query(`UPDATE pgboss.job SET state = 'active', started_on = now() WHERE name = $1`, [busy]);
    const ran: number[] = [];
    const handler = async (job: PgJob<{ n: number }>) => void ran.push(job.data.n);
    await jobs.retire(left, successor, handler);
    await jobs.retire(empty, successor, handler);
    await jobs.retire(busy, successor, handler);
    await jobs.retire(`test-${uid()}`, successor, handler); // never existed: nothing to do
    await eventually(async () => ran.length === 2, 20000, 'the jobs left on the retired queue');
    expect(ran.sort()).toEqual([1, 2]);
    const queues = (await db.query(`SELECT name FROM pgboss.queue WHERE name = ANY($1)`, [[left, empty, busy]])).rows.map((r) => r.name);
    expect(queues.sort()).toEqual([left, busy].sort());
  });

  it("puts back a job claimed while its key's older job was locked by a racing fetch, and runs the older first", async () => {
    const name = `test-${uid()}`;
    await jobs.define({ name, retryLimit: 0, retryDelay: 1, retryBackoff: false, onePerKey: true });
    const ran: number[] = [];
    // Two jobs of one key, in commits of their own, before any worker exists.
    const first = await tx.run(async ({ em }) => jobs.sendInTx(em, name, { n: 1 }, { singletonKey: 'k' }));
    await tx.run(async ({ em }) => jobs.sendInTx(em, name, { n: 2 }, { singletonKey: 'k' }));
    // A racing fetch's lock on the older job, as another worker's claim holds it for a moment:
    // pg-boss's fetch skips it (SKIP LOCKED) and claims the younger one.
    const racer = new Client({ connectionString: sut.databaseUrl });
    await racer.connect();
    try {
      await racer.query('BEGIN');
      await racer.query(`SELECT 1 FROM pgboss.job WHERE name = $1 AND id = $2 FOR UPDATE`, [name, first]);
      await jobs.work<{ n: number }>(name, async ({ data }) => void ran.push(data.n), { concurrency: 1 });
      // The younger job was claimed and went back: created again, unstarted, its handler not run.
      await eventually(
        async () => (await db.query(`SELECT 1 FROM pgboss.job WHERE name = $1 AND data->>'n' = '2' AND state = 'created' AND started_on IS NULL`, [name])).rowCount === 1,
        20000,
        'the younger job put back',
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(ran).toEqual([]);
    } finally {
      await racer.query('ROLLBACK');
      await racer.end();
    }
    // Once the lock is gone, a worker woken by anything (here a third key's job) finds the older job.
    await jobs.send(name, { n: 3 }, { singletonKey: 'other' });
    await eventually(async () => ran.length === 3, 20000, 'all three jobs');
    expect(ran.filter((n) => n !== 3)).toEqual([1, 2]);
  });

  it('runs one job of a key at a time across two replicas, and the keys side by side on both', async () => {
    const other = await bootApp({ DATABASE_URL: sut.databaseUrl, JOB_POLL_SECONDS: '3600' });
    try {
      const name = `test-${uid()}`;
      const running = new Map<string, number>();
      const ran: Array<{ job: string; replica: number }> = [];
      let overlap = 0;
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      for (const [replica, queue] of [jobs, other.server.app.get(JobQueue)].entries()) {
        await queue.define({ name, retryLimit: 0, retryDelay: 1, retryBackoff: false, onePerKey: true });
        await queue.work<{ key: string; n: number }>(
          name,
          async ({ data }) => {
            running.set(data.key, (running.get(data.key) ?? 0) + 1);
            if (running.get(data.key)! > 1) overlap++;
            ran.push({ job: `${data.key}${data.n}`, replica });
            // Every key's first job waits for the test: the others of its key must wait too, on either replica.
            if (data.n === 1) await held;
            else await new Promise((r) => setTimeout(r, 10));
            running.set(data.key, running.get(data.key)! - 1);
          },
          { concurrency: 2 },
        );
      }
      const round = (n: number) =>
        tx.run(async ({ em }) => {
          for (const key of ['a', 'b', 'c']) await jobs.sendInTx(em, name, { key, n }, { singletonKey: key });
        });
      // One commit wakes both replicas' four workers at once: each key's first job runs (and is held).
      await round(1);
      await eventually(async () => ['a1', 'b1', 'c1'].every((j) => ran.some((r) => r.job === j)), 20000, "every key's first job");
      expect(new Set(ran.map((r) => r.replica)).size).toBe(2);
      // Two more rounds, while the first jobs hold their keys: the fourth worker, idle, runs none of them.
      await round(2);
      await round(3);
      await new Promise((r) => setTimeout(r, 300));
      expect(ran.map((r) => r.job).sort()).toEqual(['a1', 'b1', 'c1']);
      release();
      await eventually(async () => ran.length === 9, 20000, 'all nine jobs');
      expect(overlap).toBe(0);
      // Each key's jobs in the order of their commits, though the workers of two replicas raced for them.
      for (const key of ['a', 'b', 'c']) expect(ran.map((r) => r.job).filter((j) => j.startsWith(key))).toEqual([`${key}1`, `${key}2`, `${key}3`]);
    } finally {
      await other.close();
    }
  });
});
