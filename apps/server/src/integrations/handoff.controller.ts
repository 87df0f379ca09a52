import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { AccessChanges, BotRepository, Principal, Transactions, notFound } from '@inbox/core';
import { Can, CurrentPrincipal, Roles } from '../http/auth.decorators';
import { HandoffService } from './handoff.service';

export class HandoffDto {
  @ApiPropertyOptional({ description: "the team whose queue takes it (default: the conversation's team)" }) @IsOptional() @IsUUID() teamId?: string;
  @ApiPropertyOptional({ description: 'kept as a private note for the agent', example: 'Asks about a refund over 500 EUR' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
  @ApiPropertyOptional({ description: '0 low … 3 urgent' }) @IsOptional() @IsInt() @Min(0) @Max(3) priority?: number;
}

export class InboxBotDto {
  @ApiPropertyOptional({ nullable: true, description: 'the bot that answers first (null: agents answer first)' }) @ValidateIf((_, v) => v !== null) @IsUUID() botId: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'told to the customer at handoff' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(1000)
  handoffMessage?: string | null;
  @ApiPropertyOptional({ description: 'a customer asking for a person ("agent", "human", "humain", "оператор"…) is handed over at once' })
  @IsOptional()
  @IsBoolean()
  handoffOnRequest?: boolean;
}

@ApiTags('bots')
@ApiBearerAuth()
@Controller()
export class HandoffController {
  constructor(
    private readonly tx: Transactions,
    private readonly handoffs: HandoffService,
    private readonly bots: BotRepository,
    private readonly access: AccessChanges,
  ) {}

  @ApiOperation({ summary: "Hand a bot's (or one's own) conversation to the humans: status open, the note kept, routing assigns it" })
  @Can('conversation.handoff')
  @Post('conversations/:id/handoff')
  @HttpCode(200)
  handoff(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: HandoffDto) {
    return this.handoffs.handoff(p, id, dto);
  }

  @ApiOperation({ summary: 'Make an inbox bot-first (new conversations start as the bot\u2019s) and set the handoff message' })
  @Roles('admin')
  @Put('inboxes/:id/bot')
  async setInboxBot(@Param('id', ParseUUIDPipe) id: string, @Body() dto: InboxBotDto) {
    if (dto.botId) {
      const bot = await this.bots.get(this.tx.manager, dto.botId);
      if (!bot) throw notFound('bot', dto.botId);
    }
    const settings = { botId: dto.botId, handoffMessage: dto.handoffMessage ?? null, handoffOnRequest: dto.handoffOnRequest ?? false };
    if (!(await this.bots.setInboxBot(this.tx.manager, id, settings))) throw notFound('inbox', id);
    if (dto.botId) this.access.publish({ subject: 'bot', id: dto.botId, effect: 'changed' });
    return { inboxId: id, ...settings };
  }
}
