import { Injectable, Logger } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { DomainError, Transactions } from '@inbox/core';
import { ChannelEventsRepository } from '../channel-events/channel-events.repository';
import { WebhookIntakeService, bodyDigest, intakeDecision } from '../channel-events/webhook-intake.service';
import type { TelegramSecrets } from './telegram-channel.adapter';
import { TelegramItem, parseTelegramUpdate } from './telegram-update.util';

export const TELEGRAM_UPDATES_QUEUE = 'telegram-intake';
/** Its name until 2026-12, when one worker per replica ran all inboxes' jobs (WebhookIntakeService.work). */
export const TELEGRAM_UPDATES_FORMER_QUEUE = 'telegram-updates';

export interface TelegramUpdateJob {
  inboxId: string;
  updateId: string;
  item: TelegramItem;
}

export type TelegramAck = { ok: true; outcome: 'queued' | 'duplicate' | 'ignored' | 'rejected'; reason?: string };

/** Constant-time comparison of the X-Telegram-Bot-Api-Secret-Token header (pure, unit-tested). */
export function checkTelegramSecret(expected: string, header: string | undefined): { ok: true } | { ok: false; reason: string } {
  if (!header) return { ok: false, reason: 'X-Telegram-Bot-Api-Secret-Token header missing' };
  const a = Buffer.from(header);
  const b = Buffer.from(expected);
  if (!expected || a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'secret token mismatch' };
  return { ok: true };
}

/**
 * Telegram redelivers an update until it gets a 2xx: the request only checks the secret
 * token, parses, and stores the update_id with a durable job in one transaction. An update
 * we cannot use is answered 200 too (else Telegram retries it) and kept with its reason.
 */
@Injectable()
export class TelegramWebhookService {
  private readonly logger = new Logger(TelegramWebhookService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly intake: WebhookIntakeService,
    private readonly events: ChannelEventsRepository,
  ) {}

  async defineQueue(): Promise<void> {
    await this.intake.defineQueue(TELEGRAM_UPDATES_QUEUE);
  }

  async receive(key: string, rawBody: Buffer | undefined, body: unknown, secretHeader: string | undefined): Promise<TelegramAck> {
    const [row] = await this.tx.manager.query<Array<{ id: string }>>(`SELECT id FROM inboxes WHERE channel = 'telegram' AND settings->>'webhookKey' = $1`, [key]);
    const { inbox, secrets } = await this.intake.inbox<TelegramSecrets>(row?.id ?? null, key);
    const check = checkTelegramSecret(secrets.secretToken ?? '', secretHeader);
    if (!check.ok) {
      this.logger.warn({ inboxId: inbox.id, reason: check.reason }, 'Telegram webhook refused');
      throw new DomainError('UNAUTHENTICATED', `Telegram webhook rejected: ${check.reason}`);
    }
    const parsed = parseTelegramUpdate(body);
    const { outcome, reason } = intakeDecision(parsed.ok ? { work: parsed.item !== null, reason: parsed.ignored } : { rejected: parsed.reason }, inbox.active);
    // Without an update_id (never from Telegram itself), the body's hash stands in for it.
    const eventId = parsed.updateId ?? bodyDigest(rawBody ?? Buffer.from(JSON.stringify(body ?? null)));
    const fresh = await this.intake.store({
      record: (em) => this.events.record(em, { inboxId: inbox.id, channel: 'telegram', eventId, outcome, reason, payload: outcome === 'rejected' ? body : null }),
      queue: TELEGRAM_UPDATES_QUEUE,
      job: outcome === 'queued' && parsed.ok && parsed.item ? ({ inboxId: inbox.id, updateId: eventId, item: parsed.item } satisfies TelegramUpdateJob) : null,
    });
    this.intake.pruneNowAndThen('Telegram/X event records', (em) => this.events.prune(em, 30));
    if (!fresh) {
      this.logger.log({ inboxId: inbox.id, updateId: eventId }, 'Telegram update redelivered, already handled');
      return { ok: true, outcome: 'duplicate' };
    }
    if (outcome !== 'queued') this.logger.log({ inboxId: inbox.id, updateId: eventId, outcome, reason }, 'Telegram update not ingested');
    return { ok: true, outcome, ...(reason ? { reason } : {}) };
  }
}
