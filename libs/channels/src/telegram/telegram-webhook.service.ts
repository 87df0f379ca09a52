import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig, DomainError, InboxRepository, JobQueue, SecretBox, Transactions, notFound } from '@inbox/core';
import { ChannelEventsRepository } from '../channel-events/channel-events.repository';
import type { TelegramSecrets } from './telegram-channel.adapter';
import { TelegramItem, parseTelegramUpdate } from './telegram-update.util';

export const TELEGRAM_UPDATES_QUEUE = 'telegram-updates';

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
  private lastPrune = 0;

  constructor(
    private readonly tx: Transactions,
    private readonly jobs: JobQueue,
    private readonly inboxes: InboxRepository,
    private readonly secretBox: SecretBox,
    private readonly events: ChannelEventsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async defineQueue(): Promise<void> {
    await this.jobs.define({ name: TELEGRAM_UPDATES_QUEUE, retryLimit: this.config.outboundRetryLimit, retryDelay: this.config.outboundRetryDelaySeconds, retryBackoff: true });
  }

  async receive(key: string, rawBody: Buffer | undefined, body: unknown, secretHeader: string | undefined): Promise<TelegramAck> {
    const [row] = await this.tx.manager.query(`SELECT id FROM inboxes WHERE channel = 'telegram' AND settings->>'webhookKey' = $1`, [key]);
    const inbox = row ? await this.inboxes.withSecrets(this.tx.manager, row.id) : null;
    if (!inbox) throw notFound('inbox', key);
    const secrets = inbox.secrets ? this.secretBox.open<TelegramSecrets>(inbox.secrets) : ({} as TelegramSecrets);
    const check = checkTelegramSecret(secrets.secretToken ?? '', secretHeader);
    if (!check.ok) {
      this.logger.warn({ inboxId: inbox.id, reason: check.reason }, 'Telegram webhook refused');
      throw new DomainError('UNAUTHENTICATED', `Telegram webhook rejected: ${check.reason}`);
    }
    const parsed = parseTelegramUpdate(body);
    let outcome: 'queued' | 'ignored' | 'rejected' = parsed.ok ? (parsed.item ? 'queued' : 'ignored') : 'rejected';
    let reason = parsed.ok ? parsed.ignored : parsed.reason;
    if (outcome === 'queued' && !inbox.active) [outcome, reason] = ['ignored', 'the inbox is inactive'];
    // Without an update_id (never from Telegram itself), the body's hash stands in for it.
    const eventId =
      parsed.updateId ??
      `sha256:${createHash('sha256')
        .update(rawBody ?? Buffer.from(JSON.stringify(body ?? null)))
        .digest('hex')}`;
    const fresh = await this.tx.run(async ({ em }) => {
      if (!(await this.events.record(em, { inboxId: inbox.id, channel: 'telegram', eventId, outcome, reason, payload: outcome === 'rejected' ? body : null }))) return false;
      if (outcome === 'queued' && parsed.ok && parsed.item)
        await this.jobs.sendInTx(em, TELEGRAM_UPDATES_QUEUE, { inboxId: inbox.id, updateId: eventId, item: parsed.item } satisfies TelegramUpdateJob);
      return true;
    });
    void this.pruneNowAndThen();
    if (!fresh) {
      this.logger.log({ inboxId: inbox.id, updateId: eventId }, 'Telegram update redelivered, already handled');
      return { ok: true, outcome: 'duplicate' };
    }
    if (outcome !== 'queued') this.logger.log({ inboxId: inbox.id, updateId: eventId, outcome, reason }, 'Telegram update not ingested');
    return { ok: true, outcome, ...(reason ? { reason } : {}) };
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < 3600_000) return;
    this.lastPrune = Date.now();
    const n = await this.events.prune(this.tx.manager, 30).catch(() => 0);
    if (n) this.logger.log({ pruned: n }, 'old Telegram/X event records pruned');
  }
}
