import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobQueue, PgJob, SUPERVISE_INTERVAL_SECONDS } from '../jobs/job-queue';
import { Transactions, TxContext } from '../db/transactions';
import { MessageRepository } from '../repositories/message.repository';
import { InboxRepository } from '../repositories/inbox.repository';
import { ChannelRegistry } from '../channels/channel-registry';
import { PermanentSendError } from '../channels/channel-adapter';
import { SecretBox } from '../crypto/secret-box';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const OUTBOUND_QUEUE = 'outbound-sends';
/** Its name until 2026-12, before its jobs were keyed by conversation (see `defineQueue`). */
export const OUTBOUND_FORMER_QUEUE = 'outbound-send';

interface SendJob {
  messageId: string;
}

/**
 * Replies are stored `queued` and handed to the channel adapter by a durable job,
 * enqueued in the same transaction as the message: a crash between store and
 * send still delivers after restart. Temporary errors retry with backoff;
 * permanent ones fail at once. Every status change reaches agents live.
 *
 * One attempt: mark `sending` (committed), call the adapter under a hard time limit,
 * settle. The job expires a few seconds after that limit, so when the process dies
 * mid-send pg-boss retries within seconds; the retry finds the message `sending`
 * and sends again with the same delivery id (webhook `x-inbox-delivery`, email
 * Message-ID), which the receiver de-duplicates. A crash outside that window never
 * re-sends. Claims and settlements are fenced on (job, attempt), and the
 * reconciler fails replies whose job can no longer settle them.
 */
@Injectable()
export class OutboundService {
  private readonly logger = new Logger(OutboundService.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly tx: Transactions,
    private readonly messages: MessageRepository,
    private readonly inboxes: InboxRepository,
    private readonly channels: ChannelRegistry,
    private readonly secretBox: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Keyed by conversation (QueueSpec.onePerKey): one send of a conversation at a time across
   * replicas, the earliest first, so an agent's quick replies reach a chat in the order written.
   * Before, the four workers sent them side by side and the channel received them in either order.
   * A reply waiting out a retry's backoff does not hold the ones after it.
   */
  async defineQueue(): Promise<void> {
    await this.jobs.define({
      name: OUTBOUND_QUEUE,
      retryLimit: this.config.outboundRetryLimit,
      retryDelay: this.config.outboundRetryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.jobExpirySeconds(),
      onePerKey: true,
    });
  }

  /** The send limit plus the few database round trips around it. */
  private jobExpirySeconds(): number {
    return Math.ceil(this.config.outboundSendTimeoutMs / 1000) + 5;
  }

  /** By when pg-boss has noticed an attempt that started now and never settled (its job expired). */
  private attemptDeadlineSeconds(): number {
    return this.jobExpirySeconds() + 2 * SUPERVISE_INTERVAL_SECONDS;
  }

  /** By when the next try (after pg-boss's exponential backoff, at most `delay × 2^n`) should have settled. */
  private retryDeadlineSeconds(retryCount: number): number {
    return this.config.outboundRetryDelaySeconds * 2 ** Math.min(16, retryCount + 1) + this.attemptDeadlineSeconds();
  }

  async startWorker(): Promise<void> {
    await this.jobs.work<SendJob>(OUTBOUND_QUEUE, (job) => this.process(job), { concurrency: 4, replaces: OUTBOUND_FORMER_QUEUE });
  }

  /** Called inside the transaction that stored the queued message. */
  async enqueue(tx: TxContext, messageId: string, conversationId: string): Promise<void> {
    const jobId = await this.jobs.sendInTx(tx.em, OUTBOUND_QUEUE, { messageId }, { singletonKey: conversationId });
    await this.messages.markEnqueued(tx.em, messageId, jobId, this.attemptDeadlineSeconds() + SUPERVISE_INTERVAL_SECONDS);
  }

  /**
   * A failed reply, or one stuck `queued`/`sending` past its delivery deadline, goes back to
   * `queued` with a fresh job; the old job, if still pending, is cancelled (and fenced out if it
   * is running). Returns false when the message is not retryable.
   */
  async retry(messageId: string): Promise<boolean> {
    return this.tx.run(async (tx) => {
      const reset = await this.messages.resetForRetry(tx.em, messageId);
      if (!reset) return false;
      await this.enqueue(tx, messageId, reset.conversationId);
      if (reset.previousJobId) {
        const previous = reset.previousJobId;
        tx.afterCommit(() => this.jobs.cancel(OUTBOUND_QUEUE, [previous]).catch((err) => this.logger.warn({ err, messageId }, 'could not cancel the replaced delivery job')));
      }
      tx.emit({ type: 'message.updated', conversationId: reset.conversationId, payload: await this.messages.mustSummary(tx.em, messageId) });
      return true;
    });
  }

  async process(job: PgJob<SendJob>): Promise<void> {
    const { messageId } = job.data;
    const em = this.tx.manager;
    // Committed before the network call: a crash from here to the settlement leaves `sending`.
    const claimed = await this.tx.run(async ({ em: txEm, emit }) => {
      const c = await this.messages.startAttempt(txEm, messageId, job.id, this.attemptDeadlineSeconds());
      if (!c) return null;
      // The message as claimed: the event's payload, and what the adapter sends (no second read).
      const summary = await this.messages.mustSummary(txEm, messageId);
      emit({ type: 'message.updated', conversationId: summary.conversationId, payload: summary });
      return { ...c, message: summary };
    });
    if (!claimed) return; // sent meanwhile, retried by hand (another job owns it), or deleted: nothing to do
    const attempt = { jobId: job.id, attempt: claimed.attempt };
    if (claimed.resumed) this.logger.warn({ messageId, attempt: claimed.attempt }, 'the previous attempt was interrupted mid-send: sending again with the same delivery id');
    const message = claimed.message;
    const inbox = (await this.inboxes.withSecrets(em, message.inboxId))!;
    try {
      // Everything the adapter needs, loaded here: its `send` is transport only.
      const delivery = await this.messages.deliveryContext(em, message);
      const adapter = this.channels.get(inbox.channel);
      const result = await withTimeout(
        this.config.outboundSendTimeoutMs,
        `${inbox.channel} delivery did not finish within ${this.config.outboundSendTimeoutMs} ms`,
        adapter.send({
          inbox: { id: inbox.id, name: inbox.name, channel: inbox.channel, settings: inbox.settings, secrets: inbox.secrets ? this.secretBox.open(inbox.secrets) : {} },
          message,
          ...delivery,
        }),
      );
      await this.settle(messageId, attempt, 'sent', { externalId: result.externalId ?? null });
      this.logger.log({ messageId, channel: inbox.channel, attempt: claimed.attempt }, 'outbound message sent');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const permanent = err instanceof PermanentSendError || (err as { permanent?: boolean })?.permanent === true;
      const lastAttempt = job.retryCount >= job.retryLimit;
      if (permanent || lastAttempt) {
        this.logger.warn({ messageId, reason, permanent, attempt: claimed.attempt }, 'outbound message failed');
        await this.settle(messageId, attempt, 'failed', { error: reason });
        return;
      }
      // Back to queued, showing why it is late; pg-boss retries with backoff.
      await this.settle(messageId, attempt, 'queued', { error: `retrying: ${reason}`, deadlineSeconds: this.retryDeadlineSeconds(job.retryCount) });
      this.logger.warn({ messageId, reason, attempt: claimed.attempt }, 'outbound send failed, will retry');
      throw err;
    }
  }

  private async settle(
    messageId: string,
    claim: { jobId: string; attempt: number },
    status: 'sent' | 'failed' | 'queued',
    f: { error?: string; externalId?: string | null; deadlineSeconds?: number },
  ): Promise<void> {
    await this.tx.run(async ({ em, emit }) => {
      const settled = await this.messages.settleAttempt(em, messageId, claim, status, f);
      if (!settled) {
        // This attempt outran its job's expiry or the message was retried by hand: the newer owner settles it.
        this.logger.warn({ messageId, ...claim, status }, 'stale delivery attempt: its result is not recorded');
        return;
      }
      const summary = await this.messages.mustSummary(em, messageId);
      emit({ type: 'message.updated', conversationId: summary.conversationId, payload: summary });
    });
  }
}

/** The adapter keeps running past the limit (it cannot be aborted), but the attempt ends: the job retries. */
function withTimeout<T>(ms: number, message: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
