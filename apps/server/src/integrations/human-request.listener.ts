import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BOT_SCOPES, BotRepository, DomainEvent, DomainEvents, Transactions } from '@inbox/core';
import { HandoffService } from './handoff.service';
import { asksForHuman } from './human-request.util';

/**
 * In a bot-first inbox with "hand over on request" on, a customer who asks for a person
 * ("agent", "un humain", "оператора") is handed over at once, in the bot's name, without
 * waiting for the bot to notice. Runs on the replica that committed the message.
 */
@Injectable()
export class HumanRequestListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HumanRequestListener.name);
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly events: DomainEvents,
    private readonly tx: Transactions,
    private readonly bots: BotRepository,
    private readonly handoffs: HandoffService,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.events.subscribe((e) => this.onEvent(e));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  /**
   * Conversation statuses told by the events of the latest commit: an ingest commits the
   * conversation's summary before its message, so only a conversation a bot holds is read again
   * (one read per inbound message otherwise, and a burst of a batch's messages at once).
   */
  private knownBatch: number | undefined;
  private readonly knownStatus = new Map<string, string>();

  private async onEvent(e: DomainEvent): Promise<void> {
    if (e.type === 'conversation.created' || e.type === 'conversation.updated') {
      if (e.batch === undefined) return;
      if (e.batch !== this.knownBatch) {
        this.knownBatch = e.batch;
        this.knownStatus.clear();
      }
      this.knownStatus.set(e.payload.id, e.payload.status);
      return;
    }
    if (e.type !== 'message.created' || e.payload.direction !== 'inbound' || e.payload.kind !== 'message' || !e.conversationId) return;
    const known = e.batch !== undefined && e.batch === this.knownBatch ? this.knownStatus.get(e.conversationId) : undefined;
    if (known !== undefined && known !== 'bot') return;
    const ctx = await this.bots.handoffContext(this.tx.manager, e.conversationId);
    if (!ctx || ctx.status !== 'bot' || !ctx.handoffOnRequest || !ctx.bot) return;
    if (!asksForHuman(e.payload.text, ctx.language)) return;
    const asBot = { type: 'bot' as const, id: ctx.bot.id, name: ctx.bot.name, inboxIds: null, scopes: [...BOT_SCOPES] };
    try {
      await this.handoffs.handoff(asBot, e.conversationId, { note: `The customer asked for a person: "${e.payload.text.slice(0, 200)}"` });
    } catch (err) {
      this.logger.warn({ err, conversationId: e.conversationId }, 'handoff on request failed');
    }
  }
}
