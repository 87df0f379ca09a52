import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConversationService, DomainEvents, Transactions } from '@inbox/core';
import { BusinessHours, isOpen } from '@inbox/business-hours';

const AWAY_CACHE_MS = 1000;

interface AwaySettings {
  away_message: string | null;
  business_hours: BusinessHours | null;
}

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

  /**
   * A team's away settings, read at most once a second per team: a burst of new conversations (a
   * storm, a batch) reads them once instead of once per conversation. A change to the team's hours
   * or message applies within that second, on every replica.
   */
  private readonly awayOf = new Map<string, { at: number; row: Promise<AwaySettings | undefined> }>();
  private away(teamId: string): Promise<AwaySettings | undefined> {
    const now = Date.now();
    const hit = this.awayOf.get(teamId);
    if (hit && now - hit.at < AWAY_CACHE_MS) return hit.row;
    if (this.awayOf.size > 1000) this.awayOf.clear();
    const row = this.tx.manager.query<AwaySettings[]>(`SELECT away_message, business_hours FROM teams WHERE id = $1`, [teamId]).then((rows) => rows[0]);
    const entry = { at: now, row };
    this.awayOf.set(teamId, entry);
    row.catch(() => {
      if (this.awayOf.get(teamId) === entry) this.awayOf.delete(teamId);
    });
    return row;
  }

  private async sendAwayMessageIfClosed(conversationId: string, teamId: string | null): Promise<void> {
    if (!teamId) return;
    const row = await this.away(teamId);
    if (!row?.away_message || !row.business_hours || isOpen(row.business_hours, Date.now())) return;
    await this.conversationService.postSystemReply(conversationId, row.away_message, { reason: 'away_message' });
  }
}
