import { createHmac } from 'node:crypto';
import type { DomainEvent } from '@inbox/core';

/** The events a subscription can ask for: the socket events' names and shapes, plus resolution. */
export const WEBHOOK_EVENTS = [
  'conversation.created',
  'conversation.updated',
  'conversation.assigned',
  'conversation.resolved',
  'message.created',
  'message.updated',
  'csat.received',
  'sla.warning',
  'sla.breached',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/**
 * Which webhook events one committed domain event is: the same name and payload as on the
 * socket (one contract), and `conversation.resolved` besides when an update resolved it.
 * Routing's internal offers, presence and queue stats are not integration events.
 */
export function webhookEventsOf(e: DomainEvent): WebhookEventName[] {
  switch (e.type) {
    case 'conversation.created':
    case 'conversation.assigned':
    case 'message.created':
    case 'message.updated':
    case 'csat.received':
    case 'sla.warning':
    case 'sla.breached':
      return [e.type];
    case 'conversation.updated':
      return e.payload.status === 'resolved' ? ['conversation.updated', 'conversation.resolved'] : ['conversation.updated'];
    default:
      return [];
  }
}

export interface SubscriptionFilter {
  events: string[];
  /** null: every inbox the owner may see. */
  inboxIds: string[] | null;
  /** A bot's subscription: limited by the bot's own inbox scope, and never private notes. */
  bot: { inboxIds: string[] | null; active: boolean } | null;
}

/** Whether a subscription gets this event: what it asked for, narrowed by what its owner may see. */
export function subscriptionWants(sub: SubscriptionFilter, event: WebhookEventName, ctx: { inboxId: string | null; isNote: boolean }): boolean {
  if (!sub.events.includes(event)) return false;
  if (ctx.inboxId === null) return false;
  if (sub.inboxIds !== null && !sub.inboxIds.includes(ctx.inboxId)) return false;
  if (sub.bot) {
    if (!sub.bot.active) return false;
    if (sub.bot.inboxIds !== null && !sub.bot.inboxIds.includes(ctx.inboxId)) return false;
    if (ctx.isNote) return false;
  }
  return true;
}

/**
 * The body and headers of one attempt. The timestamp is the attempt's (a redelivery days
 * later is not stale) and sits in the signed body, so the signature covers it; the delivery
 * id stays the same across attempts for de-duplication.
 */
export function signedRequest(d: { id: string; event: string; data: unknown }, secret: string, now: Date): { body: string; headers: Record<string, string> } {
  const timestamp = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify({ id: d.id, event: d.event, timestamp, data: d.data });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-inbox-event': d.event,
      'x-inbox-delivery': d.id,
      'x-inbox-timestamp': String(timestamp),
      'x-inbox-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
  };
}

export type AttemptOutcome = 'delivered' | 'retry' | 'failed';

/** 2xx delivered; 408, 429, 5xx and network errors retried; other answers are final. */
export function outcomeOf(status: number | null): AttemptOutcome {
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/** A subscription failing for this long is switched off (an admin turns it back on). */
export function shouldDisable(failingSince: Date | null, now: Date, days: number): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= days * 86_400_000;
}
