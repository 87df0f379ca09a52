import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { poolTimeoutOptions } from '../db/pool-options';

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
};

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
}

/**
 * How often pg-boss looks for expired jobs (the supervise pass, gated by the monitor interval):
 * a job whose worker died is retried `expireInSeconds` + at most this long after it started.
 * pg-boss's default (60 s) added a minute of silence to every crash; one instance wins each pass.
 */
export const SUPERVISE_INTERVAL_SECONDS = 5;

/**
 * Durable jobs on the same PostgreSQL (embedded or not), through pg-boss: a job
 * enqueued in a business transaction commits or rolls back with it.
 */
@Injectable()
export class JobQueue {
  private readonly logger = new Logger(JobQueue.name);
  private boss: PgBossInstance | null = null;
  private readonly specs = new Map<string, QueueSpec>();

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
    });
    boss.on('error', (err) => this.logger.error({ err }, 'job queue error'));
    await boss.start();
    this.boss = boss;
    for (const spec of this.specs.values()) await this.ensureQueue(spec);
  }

  async stop(): Promise<void> {
    const boss = this.boss;
    this.boss = null;
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
    };
    await this.boss!.createQueue(spec.name, opts);
    // createQueue leaves an existing queue as it was: a changed setting (a shorter expiry) applies through an update.
    await this.boss!.updateQueue(spec.name, opts);
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
    const db = {
      executeSql: async (text: string, values?: unknown[]) => {
        if (!em.queryRunner) throw new Error('sendInTx needs a transactional entity manager');
        // pg-boss reads its own rows; QueryRunner's structured query takes no row type.
        // eslint-disable-next-line no-restricted-syntax
        const result = await em.queryRunner.query(text, values as unknown[], true);
        return { rows: result.records ?? [] };
      },
    };
    return this.requireBoss().send(name, data, { ...opts, db });
  }

  async send(name: string, data: object, opts: Record<string, unknown> = {}): Promise<string | null> {
    return this.requireBoss().send(name, data, opts);
  }

  async work<T>(name: string, handler: (job: PgJob<T>) => Promise<void>, opts: { concurrency?: number; pollingIntervalSeconds?: number } = {}): Promise<void> {
    await this.requireBoss().work(
      name,
      // includeMetadata: the job carries its retryLimit, so a handler knows its last attempt (retryCount alone does not tell).
      { batchSize: 1, localConcurrency: opts.concurrency ?? 2, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 0.5, includeMetadata: true },
      async (jobs) => {
        for (const job of jobs) await handler(job as PgJob<T>);
      },
    );
  }

  private requireBoss(): PgBossInstance {
    if (!this.boss) throw new Error('job queue not started');
    return this.boss;
  }
}
