import { Inject, Injectable, Logger } from '@nestjs/common';
import { queryRows } from '../db/sql';
import { JobQueue, PgJob } from '../jobs/job-queue';
import { Transactions, TxContext } from '../db/transactions';
import { MessageRepository } from '../repositories/message.repository';
import { InboxRepository } from '../repositories/inbox.repository';
import { ChannelRegistry } from '../channels/channel-registry';
import { PermanentSendError } from '../channels/channel-adapter';
import { SecretBox } from '../crypto/secret-box';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const OUTBOUND_QUEUE = 'outbound-send';

interface SendJob {
  messageId: string;
}

/**
 * Replies are stored `queued` and handed to the channel adapter by a durable job,
 * enqueued in the same transaction as the message: a crash between store and
 * send still delivers after restart. Temporary errors retry with backoff;
 * permanent ones fail at once. Every status change reaches agents live.
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

  async defineQueue(): Promise<void> {
    await this.jobs.define({ name: OUTBOUND_QUEUE, retryLimit: this.config.outboundRetryLimit, retryDelay: this.config.outboundRetryDelaySeconds, retryBackoff: true });
  }

  async startWorker(): Promise<void> {
    await this.jobs.work<SendJob>(OUTBOUND_QUEUE, (job) => this.process(job), { concurrency: 4 });
  }

  /** Called inside the transaction that stored the queued message. */
  async enqueue(tx: TxContext, messageId: string): Promise<void> {
    await this.jobs.sendInTx(tx.em, OUTBOUND_QUEUE, { messageId });
  }

  /** A failed message goes back to `queued` with a fresh job. */
  async retry(messageId: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const rows = await queryRows(tx.em, `UPDATE messages SET status = 'queued', error = NULL, attempts = 0 WHERE id = $1 AND status = 'failed' RETURNING conversation_id`, [messageId]);
      if (rows.length === 0) return;
      await this.enqueue(tx, messageId);
      tx.emit({ type: 'message.updated', conversationId: rows[0].conversation_id, payload: (await this.messages.summary(tx.em, messageId)) as never });
    });
  }

  async process(job: PgJob<SendJob>): Promise<void> {
    const { messageId } = job.data;
    const em = this.tx.manager;
    const claimed = await this.messages.startAttempt(em, messageId);
    if (!claimed) return; // sent meanwhile, retried by hand, or deleted: nothing to do
    const message = (await this.messages.summary(em, messageId))!;
    const [conv] = await em.query(
      `SELECT c.id, c.thread_key, c.subject, c.contact_id,
         (SELECT address FROM contact_identities i WHERE i.contact_id = c.contact_id AND i.channel = c.channel ORDER BY i.created_at LIMIT 1) AS recipient
       FROM conversations c WHERE c.id = $1`,
      [message.conversationId],
    );
    const inbox = (await this.inboxes.withSecrets(em, message.inboxId))!;
    const author = message.authorType === 'user'
      ? (await em.query(`SELECT id, name FROM users WHERE id = $1`, [message.authorId]))[0]
      : message.authorType === 'bot'
        ? (await em.query(`SELECT id, name FROM bots WHERE id = $1`, [message.authorId]))[0]
        : null;
    try {
      const adapter = this.channels.get(inbox.channel);
      const result = await adapter.send({
        inbox: { id: inbox.id, name: inbox.name, channel: inbox.channel, settings: inbox.settings, secrets: inbox.secrets ? this.secretBox.open(inbox.secrets) : {} },
        message,
        conversation: { id: conv.id, threadKey: conv.thread_key, subject: conv.subject, contactId: conv.contact_id },
        recipient: conv.recipient,
        author: { type: message.authorType as 'user' | 'bot' | 'system', id: author?.id ?? null, name: author?.name ?? null },
      });
      await this.settle(messageId, 'sent', { externalId: result.externalId ?? null });
      this.logger.log({ messageId, channel: inbox.channel, attempt: claimed.attempts }, 'outbound message sent');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const permanent = err instanceof PermanentSendError || (err as { permanent?: boolean })?.permanent === true;
      const lastAttempt = job.retryCount >= job.retryLimit;
      if (permanent || lastAttempt) {
        this.logger.warn({ messageId, reason, permanent, attempt: claimed.attempts }, 'outbound message failed');
        await this.settle(messageId, 'failed', { error: reason });
        return;
      }
      // Keep it queued but show why it is late; pg-boss retries with backoff.
      await this.tx.run(async ({ em: txEm, emit }) => {
        await txEm.query(`UPDATE messages SET error = $2 WHERE id = $1 AND status = 'queued'`, [messageId, `retrying: ${reason}`]);
        emit({ type: 'message.updated', conversationId: message.conversationId, payload: (await this.messages.summary(txEm, messageId)) as never });
      });
      this.logger.warn({ messageId, reason, attempt: claimed.attempts }, 'outbound send failed, will retry');
      throw err;
    }
  }

  private async settle(messageId: string, status: 'sent' | 'failed', f: { error?: string; externalId?: string | null }): Promise<void> {
    await this.tx.run(async ({ em, emit }) => {
      await this.messages.setDelivery(em, messageId, status, { error: f.error ?? null, externalId: f.externalId ?? null });
      const summary = (await this.messages.summary(em, messageId))!;
      emit({ type: 'message.updated', conversationId: summary.conversationId, payload: summary as never });
    });
  }
}
