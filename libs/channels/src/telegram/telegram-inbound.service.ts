import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, InboxRepository, IngestService, MessageRepository, PgJob, SecretBox, Transactions } from '@inbox/core';
import { ChannelEventsRepository } from '../channel-events/channel-events.repository';
import { TelegramApiClient, TelegramCallError } from './telegram-api.client';
import type { TelegramSecrets } from './telegram-channel.adapter';
import { TelegramMedia, TelegramMessageItem } from './telegram-update.util';
import { TELEGRAM_UPDATES_QUEUE, TELEGRAM_UPDATES_FORMER_QUEUE, TelegramUpdateJob } from './telegram-webhook.service';
import { WebhookIntakeService } from '../channel-events/webhook-intake.service';
import { fetchFilesOrSkip, firstLineOf, isLastAttempt } from '../channel-events/inbound-job.util';

/** Bots may download files up to 20 MB through getFile; we store up to that. */
export const TELEGRAM_MAX_MEDIA_BYTES = 20 * 1024 * 1024;

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'application/pdf': 'pdf',
  'application/x-tgsticker': 'tgs',
};

/**
 * Applies one Telegram update: customer messages (and button presses) through the core
 * ingest, idempotent on `<chat>:<message id>`; edits of stored messages; the bot blocked or
 * unblocked. Temporary Bot API failures retry the job; all of it is idempotent.
 */
@Injectable()
export class TelegramInboundService {
  private readonly logger = new Logger(TelegramInboundService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly intake: WebhookIntakeService,
    private readonly inboxes: InboxRepository,
    private readonly messages: MessageRepository,
    private readonly ingestService: IngestService,
    private readonly secretBox: SecretBox,
    private readonly telegram: TelegramApiClient,
    private readonly events: ChannelEventsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** INTAKE_CONCURRENCY workers on this replica; one inbox's jobs run one at a time, in order (WebhookIntakeService.work). */
  async startWorker(): Promise<void> {
    await this.intake.work<TelegramUpdateJob>(TELEGRAM_UPDATES_QUEUE, TELEGRAM_UPDATES_FORMER_QUEUE, (job) => this.process(job));
  }

  async process(job: PgJob<TelegramUpdateJob>): Promise<void> {
    const { inboxId, item } = job.data;
    const inbox = await this.inboxes.withSecrets(this.tx.manager, inboxId);
    if (!inbox) return; // deleted since
    const { botToken } = inbox.secrets ? this.secretBox.open<TelegramSecrets>(inbox.secrets) : ({} as TelegramSecrets);
    switch (item.type) {
      case 'message':
        return this.ingest(inboxId, botToken, item, isLastAttempt(job, this.config.outboundRetryLimit));
      case 'edit':
        return this.tx.run(async ({ em, emit }) => {
          const changed = await this.events.applyEdit(em, inboxId, item.externalId, item.text, item.at);
          if (!changed) return void this.logger.debug({ inboxId, externalId: item.externalId }, 'edit of a message we do not hold (or no change), ignored');
          emit({ type: 'message.updated', conversationId: changed.conversationId, payload: await this.messages.mustSummary(em, changed.id) });
        });
      case 'reachability': {
        const reason = item.reachable ? null : 'the customer blocked the bot';
        await this.tx.run(async ({ em }) => this.events.setReachability(em, 'telegram', item.userId, reason, item.at));
        this.logger.log({ inboxId, userId: item.userId, reachable: item.reachable }, 'Telegram user reachability changed');
      }
    }
  }

  private async ingest(inboxId: string, botToken: string, m: TelegramMessageItem, lastAttempt: boolean): Promise<void> {
    const { attachments, skipped } = await this.fetchMedia(botToken, m.media, lastAttempt);
    const replyTo = m.replyTo ? await this.events.findMessage(this.tx.manager, inboxId, m.replyTo) : null;
    const firstLine = firstLineOf(m.text);
    const result = await this.ingestService.ingest({
      inboxId,
      channel: 'telegram',
      externalId: m.externalId,
      contact: { identifier: m.from.id, name: m.from.name, language: m.from.language },
      threadKey: m.threadKey,
      text: m.text,
      subject:
        m.chatType === 'private'
          ? firstLine
            ? firstLine.slice(0, 120)
            : null
          : String((m.metadata.telegram as { chatTitle?: string }).chatTitle ?? firstLine ?? '').slice(0, 120) || null,
      language: m.from.language,
      attachments,
      receivedAt: new Date(m.at),
      metadata: {
        ...m.metadata,
        ...(m.replyTo ? { replyTo: { externalId: m.replyTo, messageId: replyTo?.id ?? null } } : {}),
        ...(skipped.length ? { skippedMedia: skipped } : {}),
      },
    });
    // Whoever writes in their private chat has (again) unblocked the bot.
    if (m.chatType === 'private') await this.events.setReachability(this.tx.manager, 'telegram', m.from.id, null, m.at);
    if (m.callbackQueryId && result.created) {
      // Stops the button's spinner; the query expires quickly, so a failure is only logged.
      await this.telegram
        .call(botToken, 'answerCallbackQuery', { callback_query_id: m.callbackQueryId })
        .catch((err) => this.logger.debug({ inboxId, reason: (err as Error).message }, 'answerCallbackQuery failed'));
    }
    this.logger.log({ inboxId, conversationId: result.conversationId, created: result.created }, 'Telegram message ingested');
  }

  private fetchMedia(botToken: string, media: TelegramMedia[], lastAttempt: boolean) {
    return fetchFilesOrSkip(media, {
      lastAttempt,
      callError: TelegramCallError,
      fetch: async (f, i) => {
        if (f.size !== null && f.size > TELEGRAM_MAX_MEDIA_BYTES)
          throw new TelegramCallError('getFile', 'rejected', `file is ${f.size} bytes, over the ${TELEGRAM_MAX_MEDIA_BYTES} byte limit`);
        const info = await this.telegram.call<{ file_path?: string; file_size?: number }>(botToken, 'getFile', { file_id: f.fileId });
        if (!info.file_path) throw new TelegramCallError('getFile', 'rejected', 'no file_path: the file is not downloadable');
        const file = await this.telegram.download(botToken, info.file_path, TELEGRAM_MAX_MEDIA_BYTES);
        const contentType = (f.mimeType ?? file.contentType ?? 'application/octet-stream').split(';')[0].trim();
        const fromPath = info.file_path.split('/').pop() ?? null;
        return { fileName: f.fileName ?? (fromPath && fromPath.includes('.') ? fromPath : `${f.kind}-${i + 1}.${EXT[contentType] ?? 'bin'}`), contentType, data: file.data };
      },
      skip: (f, reason) => ({ kind: f.kind, fileId: f.fileId, reason }),
    });
  }
}
