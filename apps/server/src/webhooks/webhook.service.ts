import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig, DomainError, Principal, SecretBox, Transactions, assertOutboundHosts, decodeCursor, encodeCursor } from '@inbox/core';

const missing = (what: string, id: string) => new DomainError('NOT_FOUND', `${what} ${id} not found`, { id });
import { DeliveryView, SubscriptionView, WebhookRepository } from './webhook.repository';
import { WebhookDispatcher } from './webhook-dispatcher.service';

export interface SubscriptionInput {
  url?: string;
  events?: string[];
  inboxIds?: string[] | null;
  secret?: string;
  active?: boolean;
}

/**
 * Event webhook subscriptions: admins manage all of them; a bot only its own, and only for
 * inboxes its token is scoped to. Every URL passes the outbound address policy when it is set.
 */
@Injectable()
export class WebhookService {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: WebhookRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly secretBox: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(p: Principal, input: SubscriptionInput & { url: string; events: string[] }, botId: string | null = null): Promise<SubscriptionView & { secret: string }> {
    const owner = p.type === 'bot' ? p.id : botId;
    await this.checkUrl(input.url);
    await this.checkInboxes(p, input.inboxIds ?? null);
    const secret = input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
    const sub = await this.repo.create(this.tx.manager, {
      url: input.url,
      events: [...new Set(input.events)],
      inboxIds: input.inboxIds ?? null,
      sealedSecret: this.secretBox.seal({ secret }),
      botId: owner,
    });
    this.dispatcher.invalidate();
    // The secret is shown here once; only its sealed form is stored.
    return { ...sub, secret };
  }

  /** A bot's inboxes or state changed: subscriptions it owns are filtered by the new scope at once on this replica. */
  botChanged(): void {
    this.dispatcher.invalidate();
  }

  list(p: Principal): Promise<SubscriptionView[]> {
    return this.repo.list(this.tx.manager, p.type === 'bot' ? p.id : undefined);
  }

  async get(p: Principal, id: string): Promise<SubscriptionView> {
    const sub = await this.repo.get(this.tx.manager, id);
    if (!sub) throw missing('webhook subscription', id);
    if (p.type === 'bot' && sub.botId !== p.id) throw new DomainError('FORBIDDEN', 'this webhook subscription belongs to someone else');
    return sub;
  }

  async update(p: Principal, id: string, input: SubscriptionInput): Promise<SubscriptionView> {
    await this.get(p, id);
    if (input.url) await this.checkUrl(input.url);
    if (input.inboxIds !== undefined) await this.checkInboxes(p, input.inboxIds);
    const sub = await this.repo.update(this.tx.manager, id, {
      url: input.url,
      events: input.events ? [...new Set(input.events)] : undefined,
      inboxIds: input.inboxIds,
      sealedSecret: input.secret ? this.secretBox.seal({ secret: input.secret }) : undefined,
      active: input.active,
    });
    this.dispatcher.invalidate();
    return sub ?? Promise.reject(missing('webhook subscription', id));
  }

  async remove(p: Principal, id: string): Promise<void> {
    await this.get(p, id);
    await this.repo.delete(this.tx.manager, id);
    this.dispatcher.invalidate();
  }

  async deliveries(p: Principal, id: string, q: { limit: number; cursor?: string }): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    await this.get(p, id);
    const before = q.cursor ? decodeCursor<{ createdAt: string; id: string }>(q.cursor) : undefined;
    const items = await this.repo.deliveries(this.tx.manager, id, { limit: q.limit + 1, before });
    const more = items.length > q.limit;
    if (more) items.pop();
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
  }

  async redeliver(p: Principal, id: string, deliveryId: string): Promise<DeliveryView> {
    await this.get(p, id);
    const d = await this.repo.delivery(this.tx.manager, deliveryId);
    if (!d || d.subscriptionId !== id) throw missing('delivery', deliveryId);
    await this.dispatcher.redeliver(deliveryId);
    return (await this.repo.delivery(this.tx.manager, deliveryId))!;
  }

  private async checkUrl(url: string): Promise<void> {
    await assertOutboundHosts({ url: new URL(url).hostname }, { allowPrivate: this.config.outboundAllowPrivate });
  }

  /** Inboxes must exist, and a scoped bot may only name its own. */
  private async checkInboxes(p: Principal, inboxIds: string[] | null): Promise<void> {
    if (p.type === 'bot' && p.inboxIds !== null) {
      const outside = (inboxIds ?? []).filter((i) => !p.inboxIds!.includes(i));
      if (outside.length) throw new DomainError('FORBIDDEN', `this bot token is not allowed in inbox ${outside[0]}`, { reason: 'INBOX_OUT_OF_SCOPE' });
    }
    if (!inboxIds?.length) return;
    const rows = await this.tx.manager.query<Array<{ id: string }>>(`SELECT id FROM inboxes WHERE id = ANY($1::uuid[])`, [inboxIds]);
    const missing = inboxIds.filter((i) => !rows.some((r) => r.id === i));
    if (missing.length) throw new DomainError('VALIDATION_FAILED', `unknown inbox ${missing[0]}`, { fields: { inboxIds: [`unknown inbox ${missing[0]}`] } });
  }
}
