import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConversationService, DomainEvents, Transactions } from '@inbox/core';
import { BusinessHours, isOpen } from '@inbox/business-hours';

/** Outside a team's business hours a new conversation waits, and the customer is told so once. */
@Injectable()
export class AwayMessageListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AwayMessageListener.name);
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly tx: Transactions,
    private readonly events: DomainEvents,
    private readonly conversationService: ConversationService,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.events.subscribe((e) => {
      if (e.type !== 'conversation.created') return;
      const c = e.payload;
      this.sendAwayMessageIfClosed(c.id, c.teamId).catch((err) => this.logger.warn({ err, conversationId: c.id }, 'away message failed'));
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  private async sendAwayMessageIfClosed(conversationId: string, teamId: string | null): Promise<void> {
    if (!teamId) return;
    const [row] = await this.tx.manager.query<Array<{ away_message: string | null; business_hours: BusinessHours | null }>>(
      `SELECT away_message, business_hours FROM teams WHERE id = $1`,
      [teamId],
    );
    if (!row?.away_message || !row.business_hours || isOpen(row.business_hours, Date.now())) return;
    await this.conversationService.postSystemReply(conversationId, row.away_message, { reason: 'away_message' });
  }
}
