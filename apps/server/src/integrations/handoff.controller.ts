import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { BotRepository, ConversationService, Principal, Transactions, notFound } from '@inbox/core';
import { AccessChanges } from '@inbox/core';
import { Can, CurrentPrincipal, Roles } from '../http/auth.decorators';
import { AssignmentService } from '../routing/assignment.service';

export class HandoffDto {
  @ApiPropertyOptional({ description: "the team whose queue takes it (default: the conversation's team)" }) @IsOptional() @IsUUID() teamId?: string;
  @ApiPropertyOptional({ description: 'kept as a private note for the agent', example: 'Asks about a refund over 500 EUR' }) @IsOptional() @IsString() @MaxLength(2000) note?: string;
  @ApiPropertyOptional({ description: '0 low … 3 urgent' }) @IsOptional() @IsInt() @Min(0) @Max(3) priority?: number;
}

export class InboxBotDto {
  @ApiPropertyOptional({ nullable: true, description: 'the bot that answers first (null: agents answer first)' }) @ValidateIf((_, v) => v !== null) @IsUUID() botId: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'told to the customer at handoff' }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(1000) handoffMessage?: string | null;
}

@ApiTags('bots')
@ApiBearerAuth()
@Controller()
export class HandoffController {
  constructor(
    private readonly tx: Transactions,
    private readonly assignment: AssignmentService,
    private readonly conversations: ConversationService,
    private readonly bots: BotRepository,
    private readonly access: AccessChanges,
  ) {}

  @ApiOperation({ summary: "Hand a bot's (or one's own) conversation to the humans: status open, the note kept, routing assigns it" })
  @Can('conversation.handoff')
  @Post('conversations/:id/handoff')
  @HttpCode(200)
  async handoff(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: HandoffDto) {
    await this.assignment.handoff(p, id, dto);
    const conv = await this.conversations.get(p, id);
    const settings = await this.bots.inboxBot(this.tx.manager, conv.inboxId);
    if (settings?.handoffMessage) await this.conversations.postSystemReply(id, settings.handoffMessage, { handoff: true });
    return this.conversations.get(p, id);
  }

  @ApiOperation({ summary: 'Make an inbox bot-first (new conversations start as the bot\u2019s) and set the handoff message' })
  @Roles('admin')
  @Put('inboxes/:id/bot')
  async setInboxBot(@Param('id', ParseUUIDPipe) id: string, @Body() dto: InboxBotDto) {
    if (dto.botId) {
      const bot = await this.bots.get(this.tx.manager, dto.botId);
      if (!bot) throw notFound('bot', dto.botId);
    }
    if (!(await this.bots.setInboxBot(this.tx.manager, id, dto.botId, dto.handoffMessage ?? null))) throw notFound('inbox', id);
    if (dto.botId) this.access.publish({ subject: 'bot', id: dto.botId, effect: 'changed' });
    return { inboxId: id, botId: dto.botId, handoffMessage: dto.handoffMessage ?? null };
  }
}
