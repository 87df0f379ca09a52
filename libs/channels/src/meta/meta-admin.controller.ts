import { Controller, DefaultValuePipe, Get, HttpCode, Param, ParseIntPipe, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, DomainError, Principal, Roles } from '@inbox/core';
import { MetaAdminService } from './meta-admin.service';

@ApiTags('inboxes')
@ApiBearerAuth()
@Controller()
export class MetaAdminController {
  constructor(private readonly admin: MetaAdminService) {}

  /** GET /{phone-number-id} or GET /me with the stored token: says whether the token, the id or the network is at fault. */
  @Roles('admin')
  @Post('inboxes/:id/meta/test-connection')
  @HttpCode(200)
  testConnection(@Param('id', ParseUUIDPipe) id: string) {
    return this.admin.testConnection(id);
  }

  /** Signed webhooks that were ignored or rejected, with the reason (rejected ones with their payload). */
  @Roles('admin')
  @Get('inboxes/:id/meta/events')
  events(@Param('id', ParseUUIDPipe) id: string, @Query('outcome') outcome: string | undefined, @Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number) {
    if (limit < 1 || limit > 500) throw new DomainError('VALIDATION_FAILED', 'limit must be between 1 and 500', { fields: { limit: ['must be between 1 and 500'] } });
    if (outcome !== undefined && !['queued', 'ignored', 'rejected'].includes(outcome))
      throw new DomainError('VALIDATION_FAILED', 'outcome must be queued, ignored or rejected', { fields: { outcome: ['must be queued, ignored or rejected'] } });
    return this.admin.events(id, outcome ?? null, limit);
  }

  /** Whether a free reply is still possible in this conversation, and until when (the 24-hour customer service window). */
  @Get('conversations/:id/service-window')
  window(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.admin.window(p, id);
  }
}
