import { Injectable } from '@nestjs/common';
import type { ConversationSummary } from '@inbox/realtime-contract';
import { BotRepository, ConversationService, Principal, Transactions } from '@inbox/core';
import { AssignmentService } from '../routing/assignment.service';

/** Handoff to humans as a whole: the assignment change (AssignmentService) and what the customer is told. */
@Injectable()
export class HandoffService {
  constructor(
    private readonly tx: Transactions,
    private readonly assignment: AssignmentService,
    private readonly conversations: ConversationService,
    private readonly bots: BotRepository,
  ) {}

  async handoff(p: Principal, conversationId: string, h: { teamId?: string; note?: string; priority?: number }): Promise<ConversationSummary> {
    await this.assignment.handoff(p, conversationId, h);
    const conv = await this.conversations.get(p, conversationId);
    const settings = await this.bots.inboxBot(this.tx.manager, conv.inboxId);
    if (settings?.handoffMessage) await this.conversations.postSystemReply(conversationId, settings.handoffMessage, { handoff: true });
    return this.conversations.get(p, conversationId);
  }
}
