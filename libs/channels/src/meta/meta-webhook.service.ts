import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig, DomainError, InboxRepository, JobQueue, SecretBox, Transactions, notFound } from '@inbox/core';
import { parseMessagingWebhook } from '../messenger/messenger-payload.util';
import { parseWhatsAppWebhook } from '../whatsapp/whatsapp-payload.util';
import { MetaChannelKind, MetaItem, MetaParse } from './meta-events';
import { checkVerification, verifyMetaSignature } from './meta-signature.util';
import { MetaRepository } from './meta.repository';

export const META_EVENTS_QUEUE = 'meta-events';

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
  private lastPrune = 0;

  constructor(
    private readonly tx: Transactions,
    private readonly jobs: JobQueue,
    private readonly inboxes: InboxRepository,
    private readonly secretBox: SecretBox,
    private readonly repo: MetaRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async defineQueue(): Promise<void> {
    await this.jobs.define({ name: META_EVENTS_QUEUE, retryLimit: this.config.outboundRetryLimit, retryDelay: this.config.outboundRetryDelaySeconds, retryBackoff: true });
  }

  async verify(kind: MetaChannelKind, key: string, q: { mode?: string; token?: string; challenge?: string }): Promise<string> {
    const inbox = await this.inbox(kind, key);
    const secrets = inbox.secrets ? this.secretBox.open<{ verifyToken?: string }>(inbox.secrets) : {};
    const check = checkVerification(q, secrets.verifyToken ?? '');
    if (!check.ok) {
      this.logger.warn({ inboxId: inbox.id, reason: check.reason }, 'Meta webhook verification refused');
      throw new DomainError('FORBIDDEN', `webhook verification refused: ${check.reason}`);
    }
    this.logger.log({ inboxId: inbox.id, kind }, 'Meta webhook verified');
    return check.challenge;
  }

  async receive(kind: MetaChannelKind, key: string, rawBody: Buffer | undefined, body: unknown, signature: string | undefined): Promise<MetaAck> {
    const inbox = await this.inbox(kind, key);
    const secrets = inbox.secrets ? this.secretBox.open<{ appSecret?: string }>(inbox.secrets) : {};
    const check = verifyMetaSignature(secrets.appSecret ?? '', rawBody, signature);
    if (!check.ok) {
      this.logger.warn({ inboxId: inbox.id, reason: check.reason }, 'Meta webhook refused');
      throw new DomainError('UNAUTHENTICATED', `Meta signature rejected: ${check.reason}`);
    }
    const parsed = parseFor(kind, body, inbox.settings);
    const items = parsed.ok ? parsed.items : [];
    let outcome: 'queued' | 'ignored' | 'rejected' = parsed.ok ? (items.length ? 'queued' : 'ignored') : 'rejected';
    let reason = parsed.ok ? (items.length ? null : parsed.ignored.join('; ') || 'no messages, receipts or reactions in it') : parsed.reason;
    if (outcome === 'queued' && !inbox.active) [outcome, reason] = ['ignored', 'the inbox is inactive'];
    const sha256 = createHash('sha256').update(rawBody!).digest('hex');
    const fresh = await this.tx.run(async ({ em }) => {
      if (!(await this.repo.recordEvent(em, { inboxId: inbox.id, sha256, outcome, reason, items: items.length, payload: outcome === 'rejected' ? body : null }))) return false;
      if (outcome === 'queued') await this.jobs.sendInTx(em, META_EVENTS_QUEUE, { inboxId: inbox.id, kind, items } satisfies MetaEventJob);
      return true;
    });
    void this.pruneNowAndThen();
    if (!fresh) {
      this.logger.log({ inboxId: inbox.id, kind }, 'Meta webhook redelivered, already handled');
      return { ok: true, outcome: 'duplicate', items: items.length };
    }
    if (parsed.ok && parsed.ignored.length && outcome === 'queued') this.logger.debug({ inboxId: inbox.id, ignored: parsed.ignored }, 'parts of a Meta webhook ignored');
    if (outcome === 'rejected') this.logger.warn({ inboxId: inbox.id, reason }, 'signed Meta webhook rejected, kept with its reason');
    return { ok: true, outcome, items: items.length, ...(reason ? { reason } : {}) };
  }

  private async inbox(kind: MetaChannelKind, key: string) {
    const id = await this.repo.findInboxIdByWebhookKey(this.tx.manager, kind, key);
    const inbox = id ? await this.inboxes.withSecrets(this.tx.manager, id) : null;
    if (!inbox) throw notFound('inbox', key);
    return inbox;
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < 3600_000) return;
    this.lastPrune = Date.now();
    const n = await this.repo.pruneEvents(this.tx.manager, 30).catch(() => 0);
    if (n) this.logger.log({ pruned: n }, 'old Meta webhook records pruned');
  }
}
