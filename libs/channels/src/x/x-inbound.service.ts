import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, InboxRepository, IngestService, MessageRepository, PgJob, SecretBox, Transactions } from '@inbox/core';
import { XApiClient, XCallError } from './x-api.client';
import type { XSecrets } from './x-channel.adapter';
import { XDirectMessage } from './x-events.util';
import { X_EVENTS_QUEUE, X_EVENTS_FORMER_QUEUE, XEventJob } from './x-webhook.service';
import { XRepository } from './x.repository';
import { WebhookIntakeService } from '../channel-events/webhook-intake.service';
import { fetchFilesOrSkip, isLastAttempt } from '../channel-events/inbound-job.util';

/** DM images and GIFs are at most 5 MB (15 MB videos): we store up to this per file. */
export const X_MAX_MEDIA_BYTES = 16 * 1024 * 1024;

/**
 * Applies the DMs of one Account Activity body in order: customers' messages through the
 * core ingest (idempotent on the DM event id), the account's own messages sent elsewhere as
 * outbound echoes, never as customer messages.
 */
@Injectable()
export class XInboundService {
  private readonly logger = new Logger(XInboundService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly intake: WebhookIntakeService,
    private readonly inboxes: InboxRepository,
    private readonly messages: MessageRepository,
    private readonly ingestService: IngestService,
    private readonly secretBox: SecretBox,
    private readonly x: XApiClient,
    private readonly repo: XRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async startWorker(): Promise<void> {
    await this.intake.work<XEventJob>(X_EVENTS_QUEUE, X_EVENTS_FORMER_QUEUE, (job) => this.process(job));
  }

  async process(job: PgJob<XEventJob>): Promise<void> {
    const inbox = await this.inboxes.withSecrets(this.tx.manager, job.data.inboxId);
    if (!inbox) return;
    const secrets = inbox.secrets ? this.secretBox.open<XSecrets>(inbox.secrets) : ({} as XSecrets);
    for (const item of job.data.items) {
      if (item.type === 'echo') await this.echo(inbox.id, item);
      else await this.ingest(inbox.id, secrets, item, isLastAttempt(job, this.config.outboundRetryLimit));
    }
  }

  private async ingest(inboxId: string, secrets: XSecrets, m: XDirectMessage, lastAttempt: boolean): Promise<void> {
    const { attachments, skipped } = await fetchFilesOrSkip(m.media, {
      lastAttempt,
      callError: XCallError,
      fetch: async (media, i) => {
        const file = await this.x.download(secrets, media.url, X_MAX_MEDIA_BYTES);
        const contentType = (file.contentType ?? 'application/octet-stream').split(';')[0].trim();
        const name = new URL(media.url).pathname.split('/').pop() || `${media.type ?? 'media'}-${i + 1}`;
        return { fileName: name, contentType, data: file.data };
      },
      skip: (media, reason) => ({ url: media.url, reason }),
    });
    const result = await this.ingestService.ingest({
      inboxId,
      channel: 'x',
      externalId: m.externalId,
      contact: { identifier: m.customer, name: m.name ?? (m.username ? `@${m.username}` : null) },
      threadKey: `x:${m.customer}`,
      text: m.text,
      subject: m.text.split('\n')[0]?.slice(0, 120) || null,
      attachments,
      receivedAt: new Date(m.at),
      metadata: { ...m.metadata, ...(skipped.length ? { skippedMedia: skipped } : {}) },
    });
    this.logger.log({ inboxId, conversationId: result.conversationId, created: result.created }, 'X direct message ingested');
  }

  private async echo(inboxId: string, e: XDirectMessage): Promise<void> {
    await this.tx.run(async ({ em, emit }) => {
      const conversationId = await this.repo.conversationForContact(em, inboxId, e.customer);
      if (!conversationId) return void this.logger.log({ inboxId, externalId: e.externalId }, 'echo for a customer with no conversation here yet, not stored');
      if (await this.repo.hasReplyInFlight(em, conversationId, e.text)) return; // our own reply, echoed before our send settled
      const id = await this.repo.insertEcho(em, { inboxId, conversationId, externalId: e.externalId, text: e.text, at: e.at, metadata: e.metadata });
      if (id) emit({ type: 'message.created', conversationId, payload: await this.messages.mustSummary(em, id) });
    });
  }
}
