import { Injectable, Logger } from '@nestjs/common';
import { DomainError, Transactions } from '@inbox/core';
import { ChannelEventsRepository } from '../channel-events/channel-events.repository';
import { WebhookIntakeService, bodyDigest, intakeDecision } from '../channel-events/webhook-intake.service';
import type { XSecrets, XSettings } from './x-channel.adapter';
import { XDirectMessage, crcResponse, parseXWebhook, verifyXSignature } from './x-events.util';
import { XRepository } from './x.repository';

export const X_EVENTS_QUEUE = 'x-intake';
/** Its name until 2026-12, when one worker per replica ran all inboxes' jobs (WebhookIntakeService.work). */
export const X_EVENTS_FORMER_QUEUE = 'x-events';

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
    private readonly intake: WebhookIntakeService,
    private readonly events: ChannelEventsRepository,
    private readonly repo: XRepository,
  ) {}

  async defineQueue(): Promise<void> {
    await this.intake.defineQueue(X_EVENTS_QUEUE);
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
    const { outcome, reason } = intakeDecision(
      parsed.ok ? { work: items.length > 0, reason: items.length ? null : parsed.ignored.join('; ') || 'no direct messages in it' } : { rejected: parsed.reason },
      inbox.active,
    );
    const eventId = bodyDigest(rawBody!);
    const fresh = await this.intake.store({
      record: (em) => this.events.record(em, { inboxId: inbox.id, channel: 'x', eventId, outcome, reason, payload: outcome === 'rejected' ? body : null }),
      queue: X_EVENTS_QUEUE,
      job: outcome === 'queued' ? ({ inboxId: inbox.id, items } satisfies XEventJob) : null,
    });
    if (!fresh) return { ok: true, outcome: 'duplicate', items: items.length };
    if (outcome !== 'queued') this.logger.log({ inboxId: inbox.id, outcome, reason }, 'X webhook not ingested');
    return { ok: true, outcome, items: items.length, ...(reason ? { reason } : {}) };
  }

  private async inbox(key: string) {
    return this.intake.inbox<XSecrets>(await this.repo.findInboxIdByWebhookKey(this.tx.manager, key), key);
  }
}
