import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig, DomainError, InboxRepository, JobQueue, SecretBox, Transactions, notFound } from '@inbox/core';
import { ChannelEventsRepository } from '../channel-events/channel-events.repository';
import type { XSecrets, XSettings } from './x-channel.adapter';
import { XDirectMessage, crcResponse, parseXWebhook, verifyXSignature } from './x-events.util';
import { XRepository } from './x.repository';

export const X_EVENTS_QUEUE = 'x-events';

export interface XEventJob {
  inboxId: string;
  items: XDirectMessage[];
}

export type XAck = { ok: true; outcome: 'queued' | 'duplicate' | 'ignored' | 'rejected'; items: number; reason?: string };

/**
 * X's CRC check and its signed Account Activity events. A POST only verifies the signature,
 * parses, and stores the body (by hash: X retries the same bytes) with a durable job in one
 * transaction; each DM is ingested idempotently by its event id.
 */
@Injectable()
export class XWebhookService {
  private readonly logger = new Logger(XWebhookService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly jobs: JobQueue,
    private readonly inboxes: InboxRepository,
    private readonly secretBox: SecretBox,
    private readonly events: ChannelEventsRepository,
    private readonly repo: XRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async defineQueue(): Promise<void> {
    await this.jobs.define({ name: X_EVENTS_QUEUE, retryLimit: this.config.outboundRetryLimit, retryDelay: this.config.outboundRetryDelaySeconds, retryBackoff: true });
  }

  async crc(key: string, crcToken: string | undefined): Promise<{ response_token: string }> {
    const { secrets, inbox } = await this.inbox(key);
    if (!crcToken) throw new DomainError('VALIDATION_FAILED', 'crc_token: missing', { fields: { crc_token: ['missing'] } });
    this.logger.log({ inboxId: inbox.id }, 'X CRC check answered');
    return { response_token: crcResponse(secrets.consumerSecret, crcToken) };
  }

  async receive(key: string, rawBody: Buffer | undefined, body: unknown, signature: string | undefined): Promise<XAck> {
    const { secrets, inbox } = await this.inbox(key);
    const check = verifyXSignature(secrets.consumerSecret ?? '', rawBody, signature);
    if (!check.ok) {
      this.logger.warn({ inboxId: inbox.id, reason: check.reason }, 'X webhook refused');
      throw new DomainError('UNAUTHENTICATED', `X signature rejected: ${check.reason}`);
    }
    const parsed = parseXWebhook(body, (inbox.settings as unknown as XSettings).userId);
    const items = parsed.ok ? parsed.items : [];
    let outcome: 'queued' | 'ignored' | 'rejected' = parsed.ok ? (items.length ? 'queued' : 'ignored') : 'rejected';
    let reason = parsed.ok ? (items.length ? null : parsed.ignored.join('; ') || 'no direct messages in it') : parsed.reason;
    if (outcome === 'queued' && !inbox.active) [outcome, reason] = ['ignored', 'the inbox is inactive'];
    const eventId = `sha256:${createHash('sha256').update(rawBody!).digest('hex')}`;
    const fresh = await this.tx.run(async ({ em }) => {
      if (!(await this.events.record(em, { inboxId: inbox.id, channel: 'x', eventId, outcome, reason, payload: outcome === 'rejected' ? body : null }))) return false;
      if (outcome === 'queued') await this.jobs.sendInTx(em, X_EVENTS_QUEUE, { inboxId: inbox.id, items } satisfies XEventJob);
      return true;
    });
    if (!fresh) return { ok: true, outcome: 'duplicate', items: items.length };
    if (outcome !== 'queued') this.logger.log({ inboxId: inbox.id, outcome, reason }, 'X webhook not ingested');
    return { ok: true, outcome, items: items.length, ...(reason ? { reason } : {}) };
  }

  private async inbox(key: string) {
    const id = await this.repo.findInboxIdByWebhookKey(this.tx.manager, key);
    const inbox = id ? await this.inboxes.withSecrets(this.tx.manager, id) : null;
    if (!inbox) throw notFound('inbox', key);
    const secrets = inbox.secrets ? this.secretBox.open<XSecrets>(inbox.secrets) : ({} as XSecrets);
    return { inbox, secrets };
  }
}
