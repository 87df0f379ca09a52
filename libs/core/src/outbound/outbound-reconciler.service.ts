import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue } from '../jobs/job-queue';
import { Transactions } from '../db/transactions';
import { MessageRepository } from '../repositories/message.repository';
import { OUTBOUND_FORMER_QUEUE, OUTBOUND_QUEUE } from './outbound.service';

export const OUTBOUND_RECONCILE_QUEUE = 'outbound-reconcile';

/** Every minute; pg-boss files each occurrence once across replicas. */
const RECONCILE_CRON = '* * * * *';

export const INTERRUPTED_SEND_ERROR =
  'delivery was interrupted (the server stopped mid-send) and could not be confirmed; it may have reached the recipient. Retry to send it again.';
export const LOST_JOB_ERROR = 'delivery job was lost before it could run. Retry to send it again.';

/**
 * The safety net under outbound delivery: a reply whose delivery job can no longer settle it
 * (its last try expired with the process that ran it, or the job is gone) is marked `failed`
 * with a reason the agent can act on. pg-boss's own expiry retries every earlier try.
 */
@Injectable()
export class OutboundReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutboundReconciler.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly tx: Transactions,
    private readonly messages: MessageRepository,
  ) {}

  /** After CoreModule started the job queue. */
  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.every(OUTBOUND_RECONCILE_QUEUE, RECONCILE_CRON, () => this.reconcile(), 60);
  }

  /** Returns how many replies it failed. */
  async reconcile(): Promise<number> {
    let total = 0;
    for (;;) {
      const failed = await this.tx.run(async ({ em, emit }) => {
        const rows = await this.messages.failOrphaned(em, [OUTBOUND_QUEUE, OUTBOUND_FORMER_QUEUE], { sending: INTERRUPTED_SEND_ERROR, queued: LOST_JOB_ERROR });
        for (const r of rows) emit({ type: 'message.updated', conversationId: r.conversationId, payload: await this.messages.mustSummary(em, r.id) });
        return rows.length;
      });
      total += failed;
      if (failed < 500) break;
    }
    if (total) this.logger.warn({ count: total }, 'replies whose delivery job could no longer settle them were marked failed');
    return total;
  }
}
