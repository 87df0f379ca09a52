import { Controller, DefaultValuePipe, Get, Param, ParseIntPipe, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DomainError, InboxRepository, Roles, Transactions, notFound } from '@inbox/core';
import { ChannelEventOutcome, ChannelEventsRepository } from './channel-events.repository';

@ApiTags('inboxes')
@ApiBearerAuth()
@Controller('inboxes')
export class ChannelEventsController {
  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly events: ChannelEventsRepository,
  ) {}

  /** Telegram updates and X events of the inbox that were ignored or rejected, with the reason (rejected ones with their payload). */
  @Roles('admin')
  @Get(':id/channel-events')
  async list(@Param('id', ParseUUIDPipe) id: string, @Query('outcome') outcome: string | undefined, @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number) {
    if (limit < 1 || limit > 500) throw new DomainError('VALIDATION_FAILED', 'limit must be between 1 and 500', { fields: { limit: ['must be between 1 and 500'] } });
    if (outcome !== undefined && !['queued', 'ignored', 'rejected'].includes(outcome))
      throw new DomainError('VALIDATION_FAILED', 'outcome must be queued, ignored or rejected', { fields: { outcome: ['must be queued, ignored or rejected'] } });
    if (!(await this.inboxes.get(this.tx.manager, id))) throw notFound('inbox', id);
    return this.events.list(this.tx.manager, id, (outcome as ChannelEventOutcome | undefined) ?? null, limit);
  }
}
