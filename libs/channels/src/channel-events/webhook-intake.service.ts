import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, InboxRepository, InboxRow, JobQueue, PgJob, SecretBox, Transactions, notFound } from '@inbox/core';

export type IntakeOutcome = 'queued' | 'ignored' | 'rejected';

/** What the channel's parser made of a verified body: work to queue (or none, and why), or a body it rejects. */
export type IntakeParse = { work: boolean; reason: string | null } | { rejected: string };

/**
 * A verified body we cannot use is answered 200 too (else the platform redelivers it for hours)
 * and kept with its reason; an inactive inbox queues nothing.
 */
export function intakeDecision(parse: IntakeParse, inboxActive: boolean): { outcome: IntakeOutcome; reason: string | null } {
  if ('rejected' in parse) return { outcome: 'rejected', reason: parse.rejected };
  if (!parse.work) return { outcome: 'ignored', reason: parse.reason };
  if (!inboxActive) return { outcome: 'ignored', reason: 'the inbox is inactive' };
  return { outcome: 'queued', reason: parse.reason };
}

export const sha256Hex = (rawBody: Buffer): string => createHash('sha256').update(rawBody).digest('hex');

/** The id of a delivery without one of its own: platforms retry the same bytes. */
export const bodyDigest = (rawBody: Buffer): string => `sha256:${sha256Hex(rawBody)}`;

/**
 * The shared half of every webhook channel (Meta, Telegram, X, Slack): the controller and the
 * channel's service verify the transport (signature, secret token) and parse; this finds the
 * inbox, stores the event with its durable job in one transaction (the event's unique key makes a
 * redelivery a no-op, even one racing the first), and prunes old event records now and then.
 * The job's worker, in the channel's folder, does the slow part (media, profiles, ingest).
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);
  private readonly lastPrune = new Map<string, number>();

  constructor(
    private readonly tx: Transactions,
    private readonly jobs: JobQueue,
    private readonly inboxes: InboxRepository,
    private readonly secretBox: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Call from the channel module's onModuleInit: defined before CoreModule starts the job queue,
   * which then creates it. One inbox's jobs run one at a time across replicas, in the order they
   * came (an edit after its message); inboxes run side by side (see `work`).
   */
  async defineQueue(name: string): Promise<void> {
    await this.jobs.define({ name, retryLimit: this.config.outboundRetryLimit, retryDelay: this.config.outboundRetryDelaySeconds, retryBackoff: true, onePerKey: true });
  }

  /**
   * INTAKE_CONCURRENCY workers on the queue on this replica (4 by default). Until 2026-12 each kind
   * had one worker per replica for all its inboxes, on a queue named `former`: a slow media
   * download held every other inbox's updates, and two replicas could apply one inbox's updates
   * out of order. Jobs left on `former` by an upgrade are run by one worker (JobQueue.retire).
   */
  async work<T extends { inboxId: string }>(queue: string, former: string, handler: (job: PgJob<T>) => Promise<void>): Promise<void> {
    await this.jobs.work<T>(queue, handler, { concurrency: this.config.intakeConcurrency, replaces: former });
  }

  /** The inbox a webhook URL names (`id` found by the channel's key), with its secrets opened; 404 naming the key otherwise. */
  async inbox<S extends object>(id: string | null, key: string): Promise<{ inbox: InboxRow & { secrets: string | null }; secrets: S }> {
    const inbox = id ? await this.inboxes.withSecrets(this.tx.manager, id) : null;
    if (!inbox) throw notFound('inbox', key);
    return { inbox, secrets: inbox.secrets ? this.secretBox.open<S>(inbox.secrets) : ({} as S) };
  }

  /** `record` returns false when the event was seen before; then nothing is queued and this answers false. */
  async store<J extends { inboxId: string }>(e: { record: (em: EntityManager) => Promise<boolean>; queue: string; job: J | null }): Promise<boolean> {
    return this.tx.run(async ({ em }) => {
      if (!(await e.record(em))) return false;
      if (e.job) await this.jobs.sendInTx(em, e.queue, e.job, { singletonKey: e.job.inboxId });
      return true;
    });
  }

  /** At most once an hour per `what`, after the answer; a failure waits for the next hour. */
  pruneNowAndThen(what: string, prune: (em: EntityManager) => Promise<number>): void {
    if (Date.now() - (this.lastPrune.get(what) ?? 0) < 3600_000) return;
    this.lastPrune.set(what, Date.now());
    void prune(this.tx.manager)
      .catch(() => 0)
      .then((n) => n && this.logger.log({ pruned: n }, `old ${what} pruned`));
  }
}
