import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { poolTimeoutOptions } from '../db/pool-options';
import { isStalePlan } from '../db/pg-errors';
import { RepeatedQuery, RepeatedStatements } from '../db/repeated-statements';

// pg-boss is ESM-only: loaded with a native dynamic import (swc keeps `import()` as is).
type PgBossInstance = {
  start(): Promise<unknown>;
  stop(opts?: Record<string, unknown>): Promise<void>;
  on(event: string, fn: (arg: any) => void): void;
  createQueue(name: string, opts?: Record<string, unknown>): Promise<void>;
  updateQueue(name: string, opts?: Record<string, unknown>): Promise<void>;
  schedule(name: string, cron: string, data?: object | null, opts?: Record<string, unknown>): Promise<void>;
  cancel(name: string, id: string | string[]): Promise<unknown>;
  send(name: string, data: object, opts?: Record<string, unknown>): Promise<string | null>;
  work(name: string, opts: Record<string, unknown>, handler: (jobs: PgJob[]) => Promise<unknown>): Promise<string>;
  notifyWorker(workerId: string): void;
  getQueue(name: string): Promise<{ policy?: string } | null>;
  getDb(): BossDb;
  deleteQueue(name: string): Promise<void>;
};

/** pg-boss's database: it hands the statement and values to node-postgres's `query`, which also takes a named statement. */
interface BossDb {
  executeSql(text: RepeatedQuery, values?: unknown[], opts?: unknown): Promise<{ rows: unknown[] }>;
}

export interface PgJob<T = any> {
  id: string;
  data: T;
  retryCount: number;
  retryLimit: number;
}

export interface QueueSpec {
  name: string;
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  expireInSeconds?: number;
  /**
   * false for a queue of timers (jobs filed to start later: SLA checks, offer expiry, snooze,
   * presence grace, CSAT surveys). Their NOTIFY would come before they are due, and a commit that
   * notifies takes PostgreSQL's database-wide notify lock until it ends (such commits run one at a
   * time: 6,500 against 14,500 single-row transactions a second on 8 connections here), which
   * would serialise the ingests that file an SLA check. Their workers are woken by timers only
   * (see POLL_SECONDS). Default true.
   */
  notifyOnCommit?: boolean;
  /**
   * One job at a time per key across all replicas (pg-boss's singleton policy: a unique index
   * admits one active job per `singletonKey`, which each send names), jobs of a key in the order
   * of their commits (a failed one waiting out its backoff aside; jobs of one commit share a
   * created_on and tie, so a caller filing several of a key at once orders them itself, as the
   * webhook dispatcher does by event; a job that racing fetches claimed ahead of an older one of
   * its key is put back, see `putBackBehindItsKey`); jobs of different keys run side by side. For the channel webhook intake, keyed by inbox: one inbox's updates stay in order
   * (an edit after its message) while a slow media download holds no other inbox. A queue's
   * policy is fixed when pg-boss creates it: a queue that gains this needs a new name.
   */
  onePerKey?: boolean;
}

/**
 * How often pg-boss looks for expired jobs (the supervise pass, gated by the monitor interval):
 * a job whose worker died is retried `expireInSeconds` + at most this long after it started.
 * pg-boss's default (60 s) added a minute of silence to every crash; one instance wins each pass.
 */
export const SUPERVISE_INTERVAL_SECONDS = 5;

/**
 * How a worker finds its jobs. A job committed anywhere wakes the workers of its queue on every
 * replica at once (pg-boss's LISTEN/NOTIFY: the NOTIFY is part of the job's INSERT and is
 * delivered when its transaction commits); a job that waits (`startAfter`, a retry's backoff)
 * wakes a worker of the replica that filed it when it is due (a local timer); a worker that has
 * just run a job fetches again at once, and only an empty fetch makes it wait. Polling is left as
 * the backstop for what no wake-up covers (a job filed by a replica that stopped before it was
 * due, a job the supervisor put back after a crash): every JOB_POLL_SECONDS (5 by default), or
 * every POLL_SECONDS on a queue with NOTIFY while the LISTEN connection is down. A queue of timers
 * (QueueSpec.notifyOnCommit false) has no NOTIFY: its timers wake it, a job due now included.
 *
 * Before (every worker polling every 0.5 s, and waiting 0.5 s after each job, pg-boss's loop): a
 * queue ran at most two jobs a second per worker (event webhooks 8 a second, a channel's
 * webhook ingest 2), a job waited 250 ms on average to start, and an idle server sent 58 fetches
 * a second (`npm run bench -- --only=jobs`).
 */
export const POLL_SECONDS = 0.5;
/** See `JobQueue.putBackBehindItsKey`: its job ($2 of queue $1) back to `created` when an older job of its key is due and unclaimed. */
const PUT_BACK_SQL = `UPDATE pgboss.job mine SET state = 'created', started_on = NULL, heartbeat_on = NULL
  WHERE mine.name = $1 AND mine.id = $2 AND mine.state = 'active'
    AND EXISTS (
      SELECT 1 FROM pgboss.job older
      WHERE older.name = mine.name AND older.singleton_key = mine.singleton_key
        AND older.state IN ('created', 'retry') AND older.start_after <= pgboss.job_now()
        AND older.created_on < mine.created_on)
  RETURNING mine.id`;
/** How long a worker that put a job back behind an older one of its key waits before it fetches again. */
const PUT_BACK_WAKE_MS = 20;
/** Node's timers hold at most 2^31-1 ms (24.8 days); a job due later is left to the backstop. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One pg-boss worker (localConcurrency 1): its id, to wake it, and whether it is running a job. */
interface WorkerSlot {
  id: string;
  busy: boolean;
}

/** When a job filed with pg-boss's `startAfter` (a Date, seconds from now, or an ISO string) becomes due, in epoch ms; null for now. */
export function dueAt(startAfter: unknown, nowMs = Date.now()): number | null {
  if (startAfter instanceof Date) return startAfter.getTime();
  if (typeof startAfter === 'number') return startAfter > 0 ? nowMs + startAfter * 1000 : null;
  if (typeof startAfter === 'string') {
    if (/^\d+(\.\d+)?$/.test(startAfter)) return nowMs + Number(startAfter) * 1000;
    const t = Date.parse(startAfter);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/**
 * When pg-boss runs a failed job again, in seconds after the failure, as its fail plan computes it:
 * `retryDelay` without backoff; with backoff a random point of [d·2^c, d·2^(c+1)] (d the delay, at
 * least 1; c the retry count the attempt ran with, exponent capped at 16). Null after the last attempt.
 */
export function retryWindow(spec: Pick<QueueSpec, 'retryDelay' | 'retryBackoff'>, job: Pick<PgJob, 'retryCount' | 'retryLimit'>): [number, number] | null {
  if (job.retryCount >= job.retryLimit) return null;
  if (!spec.retryBackoff) return [spec.retryDelay, spec.retryDelay];
  const high = Math.max(spec.retryDelay, 1) * 2 ** Math.min(16, job.retryCount + 1);
  return [high / 2, high];
}

/**
 * Durable jobs on the same PostgreSQL (embedded or not), through pg-boss: a job
 * enqueued in a business transaction commits or rolls back with it.
 */
@Injectable()
export class JobQueue {
  private readonly logger = new Logger(JobQueue.name);
  private boss: PgBossInstance | null = null;
  private readonly specs = new Map<string, QueueSpec>();
  /** This replica's workers, by queue. */
  private readonly slots = new Map<string, WorkerSlot[]>();
  /** Wake-ups armed for jobs that wait (cleared at stop). */
  private readonly timers = new Set<NodeJS.Timeout>();
  /** pg-boss's statements this process has named (see `prepareRepeated`). */
  private readonly statements = new RepeatedStatements('pgboss');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async start(databaseUrl: string): Promise<void> {
    const { PgBoss } = (await import('pg-boss')) as unknown as { PgBoss: new (opts: Record<string, unknown>) => PgBossInstance };
    const boss = new PgBoss({
      connectionString: databaseUrl,
      max: 4,
      application_name: 'omnichannel-inbox-jobs',
      ...poolTimeoutOptions({ connectTimeoutMs: this.config.databaseConnectTimeoutMs, statementTimeoutMs: this.config.databaseStatementTimeoutMs }),
      superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
      monitorIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
      // One more connection, LISTENing: a committed job wakes its queue's workers (see POLL_SECONDS).
      useListenNotify: true,
    });
    boss.on('error', (err) => this.logger.error({ err }, 'job queue error'));
    if (this.config.databasePreparedStatements) this.prepareRepeated(boss.getDb());
    await boss.start();
    this.boss = boss;
    for (const spec of this.specs.values()) await this.ensureQueue(spec);
  }

  /**
   * pg-boss's repeated statements as named statements, prepared once a connection (see
   * RepeatedStatements): through its database object, the one every part of pg-boss uses. Its
   * sends in the app's transactions (`sendInTx`) go through the app pool, whose client does the
   * same (AutoPreparingClient); its fetches have no parameters, which that client leaves alone.
   */
  private prepareRepeated(db: BossDb): void {
    const plain = db.executeSql.bind(db);
    db.executeSql = async (text, values, opts) => {
      const query = typeof text === 'string' ? this.statements.toSend(text) : text;
      if (typeof query === 'string') return plain(text, values, opts);
      try {
        // node-postgres adds the values to the config object: a fresh one each time.
        return await plain({ ...query, values: values ?? [] } as RepeatedQuery, undefined, opts);
      } catch (err) {
        if (!isStalePlan(err)) throw err;
        this.statements.forget();
        return plain(query.text, values, opts);
      }
    };
  }

  async stop(): Promise<void> {
    const boss = this.boss;
    this.boss = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.slots.clear();
    if (boss) await boss.stop({ graceful: true, timeout: 5000 });
  }

  async define(spec: QueueSpec): Promise<void> {
    this.specs.set(spec.name, spec);
    if (this.boss) await this.ensureQueue(spec);
  }

  private async ensureQueue(spec: QueueSpec): Promise<void> {
    const opts = {
      retryLimit: spec.retryLimit,
      retryDelay: spec.retryDelay,
      retryBackoff: spec.retryBackoff,
      expireInSeconds: spec.expireInSeconds ?? 120,
      notify: spec.notifyOnCommit !== false,
    };
    const policy = spec.onePerKey ? 'singleton' : 'standard';
    await this.boss!.createQueue(spec.name, { ...opts, policy });
    // createQueue leaves an existing queue as it was: a changed setting (a shorter expiry) applies through an update; a policy cannot change.
    await this.boss!.updateQueue(spec.name, opts);
    if (!spec.onePerKey) return;
    // A keyed queue that an older version created unkeyed would run a key's jobs side by side, silently.
    const existing = await this.boss!.getQueue(spec.name);
    if (existing?.policy !== policy) throw new Error(`job queue ${spec.name} was created with the ${existing?.policy} policy, not ${policy}: give the queue a new name`);
  }

  /**
   * A queue the code no longer files to (renamed, see QueueSpec.onePerKey): when it still holds
   * jobs (filed before an upgrade), one worker of this replica runs them with `handler`; an empty
   * one is deleted. A replica still on the old code during a rolling upgrade keeps working it; a
   * job it files after the deletion fails to file, and the platform delivers the webhook again.
   */
  async retire<T>(name: string, successor: string, handler: (job: PgJob<T>) => Promise<void>): Promise<void> {
    const boss = this.requireBoss();
    if (!(await boss.getQueue(name))) return;
    // Read live (the queue's counts are the monitor's, seconds old): a job still active there belongs to a replica that may be sending.
    const { rows } = await boss.getDb().executeSql(`SELECT 1 FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active') LIMIT 1`, [name]);
    if (!rows.length) {
      await boss.deleteQueue(name);
      this.logger.log({ queue: name }, 'retired job queue deleted (empty)');
      return;
    }
    const spec = this.specs.get(successor);
    if (!spec) throw new Error(`job queue ${successor} is not defined`);
    await this.define({ ...spec, name, onePerKey: false });
    await this.work(name, handler, { concurrency: 1 });
    this.logger.log({ queue: name }, 'retired job queue still holds jobs: one worker runs them');
  }

  /**
   * A recurring job (cron, UTC): pg-boss files each occurrence once across all replicas
   * (a singleton per slot), and whichever replica's worker fetches it runs it.
   */
  async schedule(name: string, cron: string): Promise<void> {
    await this.requireBoss().schedule(name, cron, {}, { tz: 'UTC' });
  }

  /**
   * A periodic sweep on the queue: its queue (no retries: the next occurrence is the retry), its
   * cron schedule (once across replicas, see `schedule`) and, where this replica runs workers, one
   * worker calling `run`. The safety-net sweeps (conversation timers, outbound reconcile, outbox
   * retention) are declared through it.
   */
  async every(name: string, cron: string, run: () => Promise<unknown>, expireInSeconds: number): Promise<void> {
    await this.define({ name, retryLimit: 0, retryDelay: 1, retryBackoff: false, expireInSeconds });
    await this.schedule(name, cron);
    if (this.config.runWorkers) await this.work(name, async () => void (await run()), { concurrency: 1 });
  }

  /** Cancels jobs that have not finished (a replaced delivery job); finished ones are left alone. */
  async cancel(name: string, ids: string[]): Promise<void> {
    if (ids.length) await this.requireBoss().cancel(name, ids);
  }

  /** Enqueue inside the caller's transaction: the job exists if and only if the transaction commits. */
  async sendInTx(em: EntityManager, name: string, data: object, opts: Record<string, unknown> = {}): Promise<string | null> {
    this.checkKey(name, opts);
    const db = {
      executeSql: async (text: string, values?: unknown[]) => {
        if (!em.queryRunner) throw new Error('sendInTx needs a transactional entity manager');
        // pg-boss reads its own rows; QueryRunner's structured query takes no row type. The app
        // pool's client prepares the send once it repeats (AutoPreparingClient).
        // eslint-disable-next-line no-restricted-syntax
        const result = await em.queryRunner.query(text, values as unknown[], true);
        return { rows: result.records ?? [] };
      },
    };
    const id = await this.requireBoss().send(name, data, { ...opts, db });
    this.wakeForSent(name, opts.startAfter);
    return id;
  }

  async send(name: string, data: object, opts: Record<string, unknown> = {}): Promise<string | null> {
    this.checkKey(name, opts);
    const id = await this.requireBoss().send(name, data, opts);
    this.wakeForSent(name, opts.startAfter);
    return id;
  }

  /** A job of a queue of keys without one would share the empty key with every other such job, one at a time. */
  private checkKey(name: string, opts: Record<string, unknown>): void {
    if (this.specs.get(name)?.onePerKey && !opts.singletonKey) throw new Error(`a job of ${name} needs a singletonKey`);
  }

  /**
   * A job filed to start later wakes a worker when due (its NOTIFY came when it was not). On a
   * queue without NOTIFY a job due now does too, shortly after (its transaction has most likely
   * committed by then; if not, a second wake-up half a second later, then the backstop poll).
   */
  private wakeForSent(name: string, startAfter: unknown): void {
    const due = dueAt(startAfter);
    if (this.specs.get(name)?.notifyOnCommit !== false) {
      if (due !== null && due > Date.now()) this.wakeAt(name, due + 25);
      return;
    }
    const at = Math.max(due ?? 0, Date.now());
    this.wakeAt(name, at + 25);
    this.wakeAt(name, at + 500);
  }

  /**
   * Wakes one of this replica's workers of the queue at `at` (epoch ms). A timer that fires before
   * the job's transaction commits finds nothing and leaves the job to the backstop poll, as does a
   * replica that stops first.
   */
  private wakeAt(name: string, at: number): void {
    if (!this.slots.has(name)) return;
    const delay = Math.max(at - Date.now(), 0);
    if (delay > MAX_TIMER_MS) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake(name);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  /** Wakes an idle worker of the queue on this replica; busy ones fetch again when their job ends. */
  private wake(name: string): void {
    const idle = this.slots.get(name)?.find((s) => !s.busy);
    if (idle && this.boss) this.boss.notifyWorker(idle.id);
  }

  /**
   * `concurrency` workers on the queue (each its own pg-boss worker, so each can be woken and each
   * fetches again as soon as its job ends; see POLL_SECONDS). `replaces`: the queue's former name,
   * whose leftover jobs the same handler runs (see `retire`).
   */
  async work<T>(name: string, handler: (job: PgJob<T>) => Promise<void>, opts: { concurrency?: number; replaces?: string } = {}): Promise<void> {
    const boss = this.requireBoss();
    const slots = this.slots.get(name) ?? [];
    this.slots.set(name, slots);
    const spec = this.specs.get(name);
    const backstop = Math.max(POLL_SECONDS, this.config.jobPollSeconds);
    // A queue with NOTIFY polls fast only while the LISTEN connection is down; a queue of timers is woken by its timers alone.
    const poll = spec?.notifyOnCommit === false ? backstop : POLL_SECONDS;
    const keyed = spec?.onePerKey === true;
    for (let i = 0; i < (opts.concurrency ?? 2); i++) {
      const slot: WorkerSlot = { id: '', busy: false };
      slot.id = await boss.work(
        name,
        // includeMetadata: the job carries its retryLimit, so a handler knows its last attempt (retryCount alone does not tell).
        {
          batchSize: 1,
          localConcurrency: 1,
          pollingIntervalSeconds: poll,
          notifyPollingIntervalSeconds: backstop,
          includeMetadata: true,
        },
        async (jobs) => {
          slot.busy = true;
          // A queue of keys: the workers a NOTIFY woke with this one lost the race for its key (an
          // empty fetch) and sleep though other keys' jobs may wait; now that this claim is
          // committed, another's fetch passes over its key. Each start wakes the next idle worker.
          if (keyed) this.wake(name);
          let putBack = false;
          try {
            for (const job of jobs) {
              if (keyed && (await this.putBackBehindItsKey(name, job))) putBack = true;
              else await this.run(name, job as PgJob<T>, handler);
            }
          } finally {
            slot.busy = false;
            // The queue may hold more: fetch again now instead of after the poll interval. After a
            // put-back, in a moment: the racing fetch that holds the older job's lock ends first.
            if (putBack) this.wakeAt(name, Date.now() + PUT_BACK_WAKE_MS);
            else boss.notifyWorker(slot.id);
          }
        },
      );
      slots.push(slot);
    }
    if (opts.replaces) await this.retire(opts.replaces, name, handler);
  }

  /**
   * A job of a key claimed while an older job of its key was due and unclaimed goes back, and
   * returns true (its handler does not run; pg-boss's completion, fenced on the claim's state,
   * then changes nothing). pg-boss's fetch skips rows other fetches have locked: a fetch that
   * found a key's oldest job locked by a racing fetch took the next one of the key and committed
   * first, the racing fetch lost to the unique index, and the later job ran first (seen across
   * two replicas in CI; the window is one statement wide). Put back as pg-boss's own `restore`
   * does (not exposed by its facade: created again, its attempt count kept), it waits behind the
   * older one, which the next fetch takes. One indexed statement a keyed job, prepared once a
   * connection as pg-boss's own (see `prepareRepeated`): planned each time (an UPDATE through
   * pg-boss's partitioned table) it cost PostgreSQL 0.38 ms of CPU, prepared 0.05 ms.
   */
  private async putBackBehindItsKey(name: string, job: PgJob): Promise<boolean> {
    const { rows } = await this.requireBoss().getDb().executeSql(PUT_BACK_SQL, [name, job.id]);
    if (!rows.length) return false;
    this.logger.debug({ queue: name, job: job.id }, 'claimed ahead of an older job of its key: put back');
    return true;
  }

  /** One job; a failure that pg-boss will retry wakes a worker over the window its backoff picks the retry time from. */
  private async run<T>(name: string, job: PgJob<T>, handler: (job: PgJob<T>) => Promise<void>): Promise<void> {
    try {
      await handler(job);
    } catch (err) {
      const spec = this.specs.get(name);
      const window = spec ? retryWindow(spec, job) : null;
      if (window) {
        const failedAt = Date.now();
        const [low, high] = window;
        for (const at of new Set([low, (low + high) / 2, high])) this.wakeAt(name, failedAt + at * 1000 + 100);
      }
      throw err;
    }
  }

  private requireBoss(): PgBossInstance {
    if (!this.boss) throw new Error('job queue not started');
    return this.boss;
  }
}
