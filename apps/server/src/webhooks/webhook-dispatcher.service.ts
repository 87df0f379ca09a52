import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { fetch, type Agent } from 'undici';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, DomainEvent, DomainEvents, JobQueue, PgJob, SecretBox, Transactions, isOutboundRefusal, outboundDispatcher } from '@inbox/core';
import { WebhookRepository, SubscriptionForDelivery } from './webhook.repository';
import { WebhookEventName, outcomeOf, shouldDisable, signedRequest, subscriptionWants, webhookEventsOf } from './webhook-events.util';

export const WEBHOOK_QUEUE = 'webhook-deliveries';
/** Its name until 2026-12, before its jobs were keyed by conversation (see `deliveryKey`). */
export const WEBHOOK_FORMER_QUEUE = 'webhook-delivery';
const SUBSCRIPTIONS_TTL_MS = 5_000;
/** Times a delivery goes back in line at once beyond the earlier ones it waits for, before it waits 2 s instead. */
const MAX_QUICK_WAITS = 5;
/** Events the sweeper passes in one transaction while no subscription is active (seqs only, no payloads). */
const SWEEP_SEQ_ONLY = 1_000;

/** One delivery to file: an event for a subscription, under one of its webhook names. */
interface Planned {
  sub: SubscriptionForDelivery;
  e: DomainEvent;
  name: WebhookEventName;
}

/** An event with the webhook names it goes out under (none: no webhook wants it). */
interface NamedEvent {
  e: DomainEvent;
  names: WebhookEventName[];
}

const namedEvents = (events: DomainEvent[]): NamedEvent[] => events.map((e) => ({ e, names: webhookEventsOf(e) })).filter((x) => x.names.length);

interface DeliveryJob {
  deliveryId: string;
  /** How often it went back in line behind an earlier delivery of its conversation. */
  waits?: number;
}

/**
 * The job's key: one job of a subscription's conversation runs at a time across replicas, the
 * earliest first (QueueSpec.onePerKey), so two workers never pick two deliveries of one
 * conversation at once. Before, the later one found the earlier in flight and was put back for
 * 2 s: a bot subscribed to a conversation's several events (or a customer's two quick messages)
 * got every second delivery 2 s late whenever the queue ran two of them together.
 */
export const deliveryKey = (subscriptionId: string, conversationId: string | null, deliveryId: string): string => `${subscriptionId}:${conversationId ?? deliveryId}`;

/**
 * Committed domain events → durable, signed deliveries to event webhook subscriptions.
 * Filing is idempotent (one delivery per subscription and event): the live path files right
 * after commit, and a sweeper over the outbox files what a crashed process never did.
 * Each delivery is a pg-boss job with exponential backoff; deliveries of one conversation to
 * one subscription go out in event order (a later one waits while an earlier one is pending).
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly dispatcher: Agent;
  private unsubscribe: (() => void) | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  /**
   * Active subscriptions, read at most every few seconds rather than once per event. A change
   * made on this replica clears it at once; one made on another replica shows here within the
   * TTL, and the sweeper files whatever this replica skipped meanwhile (filing is idempotent).
   */
  private subsCache: { at: number; subs: Promise<SubscriptionForDelivery[]> } | null = null;
  /** Committed events waiting to be filed, and whether the filing loop runs (see `enqueue`). */
  private readonly toFile: DomainEvent[] = [];
  private filing = false;

  constructor(
    private readonly tx: Transactions,
    private readonly repo: WebhookRepository,
    private readonly events: DomainEvents,
    private readonly jobs: JobQueue,
    private readonly secretBox: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.dispatcher = outboundDispatcher({ allowPrivate: config.outboundAllowPrivate }, { connectTimeoutMs: config.webhookTimeoutMs });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.define({
      name: WEBHOOK_QUEUE,
      retryLimit: this.config.webhookRetryLimit,
      retryDelay: this.config.webhookRetryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: Math.ceil(this.config.webhookTimeoutMs / 1000) + 30,
      onePerKey: true,
    });
    this.unsubscribe = this.events.subscribe((e) => this.enqueue(e));
    if (this.config.runWorkers) {
      await this.jobs.work<DeliveryJob>(WEBHOOK_QUEUE, (job) => this.attempt(job), { concurrency: this.config.webhookConcurrency, replaces: WEBHOOK_FORMER_QUEUE });
      // Events older than the lag that no live path filed (a process died between commit and filing) are filed by the sweeper.
      const every = Math.max(1000, Math.min(15_000, this.config.webhookSweepLagSeconds * 1000));
      this.sweepTimer = setInterval(() => void this.sweep().catch((err) => this.logger.warn({ err }, 'webhook sweep failed')), every);
      this.sweepTimer.unref();
    }
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /**
   * Files committed events one transaction at a time, in event order, each time with all that
   * arrived meanwhile: one conversation's deliveries (and their jobs) are filed in the order of its
   * events. Filing each event in a transaction of its own, all at once, let a later event's
   * delivery commit, and go out, before an earlier one existed (a batch's six messages of one
   * conversation reached a receiver in the order 4, 2, 1, 3, 0, 5). What fails to file is left to
   * the sweeper.
   */
  private enqueue(e: DomainEvent): void {
    this.toFile.push(e);
    if (this.filing) return;
    this.filing = true;
    void (async () => {
      try {
        while (this.toFile.length) {
          const batch = this.toFile.splice(0, 500).sort((a, b) => a.seq - b.seq);
          await this.file(batch).catch((err) => this.logger.warn({ err, events: batch.length }, 'webhook filing failed; the sweeper files these events'));
        }
      } finally {
        this.filing = false;
      }
    })();
  }

  /** Files deliveries for committed events, each with its job, in one transaction. */
  async file(events: DomainEvent[]): Promise<number> {
    const named = namedEvents(events);
    if (!named.length) return 0;
    const plan = await this.plan(this.tx.manager, named, await this.activeSubscriptions());
    if (!plan.length) return 0;
    return this.tx.run(({ em }) => this.fileIn(em, plan));
  }

  /** Which subscription gets which event (the conversations' inboxes read through `em`). */
  private async plan(em: EntityManager, named: NamedEvent[], subs: SubscriptionForDelivery[]): Promise<Planned[]> {
    if (!named.length || !subs.length) return [];
    const inboxes = await this.repo.inboxesOf(em, [...new Set(named.map((x) => x.e.conversationId).filter((id): id is string => !!id))]);
    const plan: Planned[] = [];
    for (const { e, names } of named) {
      const inboxId = inboxOf(e) ?? (e.conversationId ? (inboxes.get(e.conversationId) ?? null) : null);
      const isNote = (e.type === 'message.created' || e.type === 'message.updated') && e.payload.kind === 'note';
      for (const name of names) for (const sub of subs) if (e.seq > sub.afterSeq && subscriptionWants(sub, name, { inboxId, isNote })) plan.push({ sub, e, name });
    }
    return plan;
  }

  /** The planned deliveries, each with its job, in the caller's transaction; returns how many were new. */
  private async fileIn(em: EntityManager, plan: Planned[]): Promise<number> {
    let filed = 0;
    for (const { sub, e, name } of plan) {
      const id = await this.repo.insertDelivery(em, { subscriptionId: sub.id, eventSeq: e.seq, event: name, conversationId: e.conversationId, data: e.payload });
      if (!id) continue;
      await this.jobs.sendInTx(em, WEBHOOK_QUEUE, { deliveryId: id }, { singletonKey: deliveryKey(sub.id, e.conversationId, id) });
      filed++;
    }
    return filed;
  }

  invalidate(): void {
    this.subsCache = null;
  }

  private activeSubscriptions(): Promise<SubscriptionForDelivery[]> {
    if (!this.subsCache || Date.now() - this.subsCache.at > SUBSCRIPTIONS_TTL_MS) {
      const subs = this.repo.activeForDelivery(this.tx.manager);
      this.subsCache = { at: Date.now(), subs };
      subs.catch(() => (this.subsCache = null));
    }
    return this.subsCache.subs;
  }

  /**
   * Files what the live path missed: outbox events older than the lag, after the shared cursor.
   * The subscriptions are read before the cursor's transaction, and everything inside it goes
   * through that transaction's connection: a read through the pool from inside held this
   * connection idle while it waited for a second one (with one connection in the pool, until
   * the pool's acquire timeout: every request stalled 5 s, each 15 s, whenever no event had
   * refreshed the subscriptions' cache). The filing and the cursor's move commit together.
   */
  async sweep(): Promise<void> {
    for (;;) {
      const subs = await this.activeSubscriptions();
      const more = await this.tx.run(async ({ em }) => {
        const cursor = await this.repo.lockCursor(em);
        if (cursor === null) return false; // another replica is sweeping
        if (!subs.length) {
          // Nothing to file (as `file` would find): the cursor moves on without the payloads.
          const { last, count } = await this.repo.settledSeqAfter(em, cursor, this.config.webhookSweepLagSeconds, SWEEP_SEQ_ONLY);
          if (!count) return false;
          await this.repo.advanceCursor(em, last);
          return count === SWEEP_SEQ_ONLY;
        }
        const batch = await this.repo.settledEventsAfter(em, cursor, this.config.webhookSweepLagSeconds, 500);
        if (!batch.length) return false;
        await this.fileIn(em, await this.plan(em, namedEvents(batch), subs));
        await this.repo.advanceCursor(em, batch[batch.length - 1].seq);
        return batch.length === 500;
      });
      if (!more) return;
    }
  }

  /** Puts a delivery back in line with the same id and data (after a fix on the receiver's side). */
  async redeliver(deliveryId: string): Promise<void> {
    await this.tx.run(async ({ em }) => {
      const reset = await this.repo.resetForRedelivery(em, deliveryId);
      if (reset) await this.jobs.sendInTx(em, WEBHOOK_QUEUE, { deliveryId }, { singletonKey: deliveryKey(reset.subscriptionId, reset.conversationId, deliveryId) });
    });
  }

  async attempt(job: PgJob<DeliveryJob>): Promise<void> {
    const em = this.tx.manager;
    const found = await this.repo.forAttempt(em, job.data.deliveryId);
    if (!found) return;
    const { delivery, sub } = found;
    if (delivery.status !== 'pending') return;
    if (!sub.active || (sub.bot && !sub.bot.active)) {
      // Settled, not left pending: a pending delivery would hold its conversation's later ones
      // for ever once the subscription is on again. It can be sent again from the log.
      await this.repo.markFailed(em, delivery.id, sub.active ? 'the bot was deactivated' : 'the subscription was switched off');
      return;
    }
    // A bot's scope may have narrowed since filing (on any replica): checked again, fresh, before anything leaves.
    if (sub.bot && !subscriptionWants({ ...sub, events: [delivery.event] }, delivery.event as WebhookEventName, { inboxId: delivery.inboxId, isNote: false })) {
      await this.repo.markFailed(em, delivery.id, "outside the bot's inboxes");
      return;
    }
    const earlier = await this.repo.earlierPending(em, { ...delivery, subscriptionId: sub.id });
    if (earlier) {
      // Ordered per conversation, without spending a retry. Earlier deliveries not yet attempted
      // (filed in the same commit, whose jobs tie in pg-boss's order, or by a commit that won the
      // race to file) run first: their jobs are older than this one filed again now, so it goes
      // back in line behind them at once, about once per earlier delivery at most (a few more
      // against a job gone missing). One waiting out a retry's backoff: checked again in 2 s.
      const waits = (job.data.waits ?? 0) + 1;
      const soon = !earlier.retrying && waits <= earlier.count + MAX_QUICK_WAITS;
      await this.jobs.send(
        WEBHOOK_QUEUE,
        { deliveryId: delivery.id, waits },
        { singletonKey: deliveryKey(sub.id, delivery.conversationId, delivery.id), ...(soon ? {} : { startAfter: 2 }) },
      );
      return;
    }
    const { secret } = this.secretBox.open<{ secret: string }>(sub.sealedSecret);
    const req = signedRequest({ id: delivery.id, event: delivery.event, data: delivery.data }, secret, new Date());
    const started = performance.now();
    let status: number | null = null;
    let excerpt: string | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      const res = await fetch(sub.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        dispatcher: this.dispatcher,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
      });
      status = res.status;
      excerpt = (await res.text()).slice(0, 500);
    } catch (err) {
      refused = isOutboundRefusal(err);
      error = refused
        ? 'address refused by outbound policy'
        : (err as Error).name === 'TimeoutError'
          ? 'timed out'
          : `network error: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name}`;
    }
    const latencyMs = Math.round(performance.now() - started);
    const outcome = refused ? 'failed' : outcomeOf(status);
    if (outcome === 'failed' && !error) error = `HTTP ${status}`;
    if (outcome === 'retry' && !error) error = `HTTP ${status}`;
    const lastTry = job.retryCount >= job.retryLimit;
    const final = outcome === 'retry' ? (lastTry ? 'failed' : 'pending') : outcome;
    await this.repo.recordAttempt(em, delivery.id, { status: final, responseStatus: status, latencyMs, excerpt, error: outcome === 'delivered' ? null : error });
    const failingSince = await this.repo.noteHealth(em, sub.id, outcome === 'delivered');
    if (outcome !== 'delivered' && shouldDisable(failingSince, new Date(), this.config.webhookDisableAfterDays)) {
      await this.repo.disable(em, sub.id, `failing since ${failingSince!.toISOString()}`);
      this.logger.warn({ subscriptionId: sub.id }, 'webhook subscription disabled after repeated failures');
    }
    if (final === 'pending') throw new Error(`webhook delivery ${delivery.id} failed (${error}); retrying`);
  }
}

function inboxOf(e: DomainEvent): string | null {
  switch (e.type) {
    case 'conversation.created':
    case 'conversation.updated':
    case 'csat.received':
    case 'sla.warning':
    case 'sla.breached':
      return e.payload.inboxId;
    default:
      return null;
  }
}
