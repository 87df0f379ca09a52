import { Injectable, Logger } from '@nestjs/common';
import { InboxRepository, IngestService, MessageRepository, PgJob, SecretBox, Transactions } from '@inbox/core';
import { MetaChannelKind, MetaEchoItem, MetaInboundItem, MetaItem, MetaMedia } from './meta-events';
import { GraphCallError, MetaGraphClient } from './meta-graph.client';
import { META_EVENTS_QUEUE, META_EVENTS_FORMER_QUEUE, MetaEventJob } from './meta-webhook.service';
import { MetaRepository } from './meta.repository';
import { WebhookIntakeService } from '../channel-events/webhook-intake.service';
import { fetchFilesOrSkip, isLastAttempt, subjectOf } from '../channel-events/inbound-job.util';

/** WhatsApp's own ceilings are 16 MB (audio, video) and 100 MB (documents); we store up to this per file. */
export const META_MAX_MEDIA_BYTES = 25 * 1024 * 1024;
export const META_MAX_MEDIA_PER_MESSAGE = 10;

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/aac': 'aac',
  'audio/mp4': 'm4a',
  'audio/amr': 'amr',
  'application/pdf': 'pdf',
};

/**
 * Applies the items of one Meta webhook, in order: customer messages through the core ingest
 * (idempotent on wamid / mid), echoes as outbound entries, receipts and reactions as updates
 * of the messages they name. Temporary Graph failures retry the whole job; all of it is idempotent.
 */
@Injectable()
export class MetaInboundService {
  private readonly logger = new Logger(MetaInboundService.name);
  private readonly names = new Map<string, { name: string | null; until: number }>();

  constructor(
    private readonly tx: Transactions,
    private readonly intake: WebhookIntakeService,
    private readonly inboxes: InboxRepository,
    private readonly messages: MessageRepository,
    private readonly ingestService: IngestService,
    private readonly secretBox: SecretBox,
    private readonly graph: MetaGraphClient,
    private readonly repo: MetaRepository,
  ) {}

  /** INTAKE_CONCURRENCY workers on this replica; one inbox's jobs run one at a time, in order (WebhookIntakeService.work). */
  async startWorker(): Promise<void> {
    await this.intake.work<MetaEventJob>(META_EVENTS_QUEUE, META_EVENTS_FORMER_QUEUE, (job) => this.process(job));
  }

  async process(job: PgJob<MetaEventJob>): Promise<void> {
    const { inboxId, kind, items } = job.data;
    const lastAttempt = isLastAttempt(job);
    const inbox = await this.inboxes.withSecrets(this.tx.manager, inboxId);
    if (!inbox) return; // deleted since
    const secrets = inbox.secrets ? this.secretBox.open<{ accessToken?: string; pageAccessToken?: string }>(inbox.secrets) : {};
    const token = secrets.accessToken ?? secrets.pageAccessToken ?? '';
    for (const item of items) await this.apply(inboxId, kind, token, item, lastAttempt);
  }

  private async apply(inboxId: string, kind: MetaChannelKind, token: string, item: MetaItem, lastAttempt: boolean): Promise<void> {
    switch (item.type) {
      case 'message':
        return this.ingest(inboxId, kind, token, item, lastAttempt);
      case 'echo':
        return this.echo(inboxId, kind, item);
      case 'status':
        return this.update(inboxId, (em) => this.repo.applyStatus(em, inboxId, item.externalId, item.status, item.error), `status ${item.status} of ${item.externalId}`);
      case 'watermark':
        return this.update(
          inboxId,
          (em) => this.repo.applyWatermark(em, { inboxId, channel: kind, customer: item.customer, status: item.status, mids: item.mids, watermark: item.watermark }),
          `${item.status} receipt of ${item.customer}`,
        );
      case 'reaction':
        return this.update(
          inboxId,
          async (em) => [await this.repo.applyReaction(em, inboxId, item.target, item.from, item.emoji, item.at)].filter((x) => x !== null),
          `reaction on ${item.target}`,
        );
      case 'revoke':
        return this.update(inboxId, async (em) => [await this.repo.markDeleted(em, inboxId, item.target, item.at)].filter((x) => x !== null), `deletion of ${item.target}`);
      case 'edit':
        return this.update(inboxId, async (em) => [await this.repo.applyEdit(em, inboxId, item.target, item.text, item.at)].filter((x) => x !== null), `edit of ${item.target}`);
    }
  }

  /** Applies an update and shows every changed message live; an update of a message we do not hold is logged and dropped. */
  private async update(inboxId: string, fn: (em: import('typeorm').EntityManager) => Promise<Array<{ id: string; conversationId: string }>>, what: string): Promise<void> {
    await this.tx.run(async ({ em, emit }) => {
      const rows = await fn(em);
      if (rows.length === 0) this.logger.debug({ inboxId, what }, 'Meta update for no message we hold (or no change), ignored');
      for (const r of rows) emit({ type: 'message.updated', conversationId: r.conversationId, payload: await this.messages.mustSummary(em, r.id) });
    });
  }

  private async ingest(inboxId: string, kind: MetaChannelKind, token: string, m: MetaInboundItem, lastAttempt: boolean): Promise<void> {
    const name = m.name ?? (kind === 'whatsapp' ? null : await this.profileName(kind, token, m.from));
    const { attachments, skipped } = await this.fetchMedia(kind, token, m, lastAttempt);
    const replyTo = m.replyTo ? await this.repo.findMessage(this.tx.manager, inboxId, m.replyTo) : null;
    const result = await this.ingestService.ingest({
      inboxId,
      channel: kind,
      externalId: m.externalId,
      contact: { identifier: m.from, name, phone: m.phone },
      threadKey: `contact:${m.from}`,
      text: m.text,
      subject: subjectOf(m.text),
      attachments,
      receivedAt: new Date(m.at),
      metadata: {
        ...m.metadata,
        ...(m.replyTo ? { replyTo: { externalId: m.replyTo, messageId: replyTo?.id ?? null } } : {}),
        ...(skipped.length ? { skippedMedia: skipped } : {}),
      },
    });
    this.logger.log({ inboxId, kind, conversationId: result.conversationId, created: result.created }, 'Meta message ingested');
  }

  private async echo(inboxId: string, kind: MetaChannelKind, e: MetaEchoItem): Promise<void> {
    await this.tx.run(async ({ em, emit }) => {
      const conversationId = await this.repo.conversationForContact(em, inboxId, kind, e.to);
      if (!conversationId) {
        this.logger.log({ inboxId, externalId: e.externalId }, 'echo for a customer with no conversation here yet, not stored');
        return;
      }
      if (await this.repo.hasQueuedReply(em, conversationId, e.text)) return; // our own reply, echoed before our send settled
      const id = await this.repo.insertEcho(em, { inboxId, conversationId, externalId: e.externalId, text: e.text, at: e.at, metadata: e.metadata });
      if (id) emit({ type: 'message.created', conversationId, payload: await this.messages.mustSummary(em, id) });
    });
  }

  /** Messenger/Instagram webhooks carry no name: GET /{psid}, cached, and never a reason to fail the message. */
  private async profileName(kind: MetaChannelKind, token: string, id: string): Promise<string | null> {
    const cached = this.names.get(`${kind}:${id}`);
    if (cached && cached.until > Date.now()) return cached.name;
    let name: string | null = null;
    try {
      const p = await this.graph.get('profile lookup', token, id, { fields: kind === 'instagram' ? 'name,username' : 'first_name,last_name,name' });
      name = p.name || [p.first_name, p.last_name].filter(Boolean).join(' ') || p.username || null;
    } catch (err) {
      this.logger.debug({ kind, id, reason: (err as Error).message }, 'profile not resolved, keeping the id');
    }
    if (this.names.size > 10_000) this.names.clear();
    this.names.set(`${kind}:${id}`, { name, until: Date.now() + 3600_000 });
    return name;
  }

  private fetchMedia(kind: MetaChannelKind, token: string, m: MetaInboundItem, lastAttempt: boolean) {
    return fetchFilesOrSkip(m.media, {
      max: META_MAX_MEDIA_PER_MESSAGE,
      lastAttempt,
      callError: GraphCallError,
      fetch: (media, i) => this.fetchOne(kind, token, media, m.externalId, i),
      skip: (media, reason) => ({ kind: media.kind, mediaId: media.mediaId, reason }),
    });
  }

  private async fetchOne(kind: MetaChannelKind, token: string, media: MetaMedia, externalId: string, index: number) {
    let url = media.url;
    let mimeType = media.mimeType;
    if (media.mediaId) {
      // WhatsApp: the id resolves to a short-lived URL that needs the token too.
      const info = await this.graph.get('media lookup', token, media.mediaId);
      if (Number(info.file_size ?? 0) > META_MAX_MEDIA_BYTES)
        throw new GraphCallError('media lookup', 'rejected', `file is ${info.file_size} bytes, over the ${META_MAX_MEDIA_BYTES} byte limit`);
      url = info.url ?? url;
      mimeType = info.mime_type ?? mimeType;
    }
    if (!url) throw new GraphCallError('media lookup', 'rejected', 'no download URL');
    const file = await this.graph.download(url, kind === 'whatsapp' ? token : null, META_MAX_MEDIA_BYTES);
    const contentType = (mimeType ?? file.contentType ?? 'application/octet-stream').split(';')[0].trim();
    const fileName = media.fileName ?? `${media.kind}-${index + 1}.${EXT[contentType] ?? 'bin'}`;
    return { fileName, contentType, data: file.data };
  }
}
