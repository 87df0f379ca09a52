import { Injectable, Logger } from '@nestjs/common';
import { DomainError, Transactions } from '@inbox/core';
import { WebhookIntakeService, intakeDecision, sha256Hex } from '../channel-events/webhook-intake.service';
import { parseMessagingWebhook } from '../messenger/messenger-payload.util';
import { parseWhatsAppWebhook } from '../whatsapp/whatsapp-payload.util';
import { MetaChannelKind, MetaItem, MetaParse } from './meta-events';
import { checkVerification, verifyMetaSignature } from './meta-signature.util';
import { MetaRepository } from './meta.repository';

export const META_EVENTS_QUEUE = 'meta-intake';
/** Its name until 2026-12, when one worker per replica ran all inboxes' jobs (WebhookIntakeService.work). */
export const META_EVENTS_FORMER_QUEUE = 'meta-events';

export interface MetaEventJob {
  inboxId: string;
  kind: MetaChannelKind;
  items: MetaItem[];
}

export type MetaAck = { ok: true; outcome: 'queued' | 'duplicate' | 'ignored' | 'rejected'; items: number; reason?: string };

/** Which account of the inbox a webhook entry must be for (phone number, Page, Instagram account). */
export function parseFor(kind: MetaChannelKind, body: unknown, settings: Record<string, unknown>): MetaParse {
  if (kind === 'whatsapp') return parseWhatsAppWebhook(body, { phoneNumberId: (settings.phoneNumberId as string) ?? null });
  return parseMessagingWebhook(body, { kind, accountId: (settings.accountId as string) ?? null });
}

/**
 * Meta wants a 200 quickly and redelivers otherwise: the request only verifies the signature,
 * parses, and stores the body's hash with a durable job in one transaction. A signed body we
 * cannot use is answered 200 too (Meta would redeliver it for hours) and kept with its reason.
 */
@Injectable()
export class MetaWebhookService {
  private readonly logger = new Logger(MetaWebhookService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly intake: WebhookIntakeService,
    private readonly repo: MetaRepository,
  ) {}

  async defineQueue(): Promise<void> {
    await this.intake.defineQueue(META_EVENTS_QUEUE);
  }

  async verify(kind: MetaChannelKind, key: string, q: { mode?: string; token?: string; challenge?: string }): Promise<string> {
    const { inbox, secrets } = await this.inbox<{ verifyToken?: string }>(kind, key);
    const check = checkVerification(q, secrets.verifyToken ?? '');
    if (!check.ok) {
      this.logger.warn({ inboxId: inbox.id, reason: check.reason }, 'Meta webhook verification refused');
      throw new DomainError('FORBIDDEN', `webhook verification refused: ${check.reason}`);
    }
    this.logger.log({ inboxId: inbox.id, kind }, 'Meta webhook verified');
    return check.challenge;
  }

  async receive(kind: MetaChannelKind, key: string, rawBody: Buffer | undefined, body: unknown, signature: string | undefined): Promise<MetaAck> {
    const { inbox, secrets } = await this.inbox<{ appSecret?: string }>(kind, key);
    const check = verifyMetaSignature(secrets.appSecret ?? '', rawBody, signature);
    if (!check.ok) {
      this.logger.warn({ inboxId: inbox.id, reason: check.reason }, 'Meta webhook refused');
      throw new DomainError('UNAUTHENTICATED', `Meta signature rejected: ${check.reason}`);
    }
    const parsed = parseFor(kind, body, inbox.settings);
    const items = parsed.ok ? parsed.items : [];
    const { outcome, reason } = intakeDecision(
      parsed.ok ? { work: items.length > 0, reason: items.length ? null : parsed.ignored.join('; ') || 'no messages, receipts or reactions in it' } : { rejected: parsed.reason },
      inbox.active,
    );
    const sha256 = sha256Hex(rawBody!);
    const fresh = await this.intake.store({
      record: (em) => this.repo.recordEvent(em, { inboxId: inbox.id, sha256, outcome, reason, items: items.length, payload: outcome === 'rejected' ? body : null }),
      queue: META_EVENTS_QUEUE,
      job: outcome === 'queued' ? ({ inboxId: inbox.id, kind, items } satisfies MetaEventJob) : null,
    });
    this.intake.pruneNowAndThen('Meta webhook records', (em) => this.repo.pruneEvents(em, 30));
    if (!fresh) {
      this.logger.log({ inboxId: inbox.id, kind }, 'Meta webhook redelivered, already handled');
      return { ok: true, outcome: 'duplicate', items: items.length };
    }
    if (parsed.ok && parsed.ignored.length && outcome === 'queued') this.logger.debug({ inboxId: inbox.id, ignored: parsed.ignored }, 'parts of a Meta webhook ignored');
    if (outcome === 'rejected') this.logger.warn({ inboxId: inbox.id, reason }, 'signed Meta webhook rejected, kept with its reason');
    return { ok: true, outcome, items: items.length, ...(reason ? { reason } : {}) };
  }

  private async inbox<S extends object>(kind: MetaChannelKind, key: string) {
    return this.intake.inbox<S>(await this.repo.findInboxIdByWebhookKey(this.tx.manager, kind, key), key);
  }
}
