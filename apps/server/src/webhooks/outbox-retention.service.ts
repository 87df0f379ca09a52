import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig, JobQueue, Transactions } from '@inbox/core';
import { WebhookRepository } from './webhook.repository';

export const OUTBOX_PRUNE_QUEUE = 'outbox-prune';

/** Rows one prune transaction deletes: short transactions, so nothing waits long behind them. */
const CHUNK = 5000;

/**
 * The outbox (`outbox_events`) holds every committed event: agents' sockets replay from it after a
 * reconnect and the webhook sweeper files from it what a crashed replica never did. Neither reads
 * far back, so events older than OUTBOX_RETENTION_DAYS are deleted every hour (once across
 * replicas, a pg-boss schedule), in chunks, never past the webhook sweeper's cursor. Without it
 * the table grew by every message's two events for ever (about 17 GB a day at 100 messages a
 * second). A socket asking for a gap older than that is told what is left, and reloads.
 */
@Injectable()
export class OutboxRetention implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutboxRetention.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly tx: Transactions,
    private readonly repo: WebhookRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.every(OUTBOX_PRUNE_QUEUE, '41 * * * *', () => this.prune(), 15 * 60);
  }

  /** Deletes what is past retention, chunk by chunk; returns how many events went. */
  async prune(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.tx.run(({ em }) => this.repo.pruneOutbox(em, this.config.outboxRetentionDays, CHUNK));
      total += n;
      if (n < CHUNK) break;
    }
    if (total) this.logger.log({ pruned: total, days: this.config.outboxRetentionDays }, 'outbox events past retention deleted');
    return total;
  }
}
