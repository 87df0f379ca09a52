import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, Max, Min } from 'class-validator';
import { ConversationService, CsatService, InboxRepository, Principal, Transactions, notFound } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';

export class CsatSettingsDto {
  @ApiProperty() @IsBoolean() enabled: boolean;
  @ApiProperty({ enum: ['stars', 'thumbs'] }) @IsIn(['stars', 'thumbs']) scale: 'stars' | 'thumbs';
  @ApiPropertyOptional({ description: 'question per language (en, fr, it, es, uk); missing ones use the defaults' }) @IsOptional() @IsObject() questions?: Record<string, string>;
  @ApiProperty({ description: 'seconds after resolution before the survey goes out' }) @IsInt() @Min(0) @Max(604800) delaySeconds: number;
  @ApiProperty({ description: 'do not ask the same contact again within this many days (0: always ask)' }) @IsInt() @Min(0) @Max(365) frequencyDays: number;
}

/** Survey settings per inbox (admins) and the rating of a conversation (whoever may see it). */
@ApiTags('csat')
@ApiBearerAuth()
@Controller()
export class CsatController {
  constructor(
    private readonly csat: CsatService,
    private readonly conversations: ConversationService,
    private readonly inboxes: InboxRepository,
    private readonly tx: Transactions,
  ) {}

  @Can('csat.manage')
  @Get('inboxes/:id/csat')
  async settings(@Param('id', ParseUUIDPipe) id: string) {
    await this.inboxOrThrow(id);
    return this.csat.settings(id);
  }

  @Can('csat.manage')
  @Put('inboxes/:id/csat')
  async save(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CsatSettingsDto) {
    await this.inboxOrThrow(id);
    await this.csat.saveSettings(id, { enabled: dto.enabled, scale: dto.scale, questions: dto.questions ?? {}, delaySeconds: dto.delaySeconds, frequencyDays: dto.frequencyDays });
    return this.csat.settings(id);
  }

  @Can('csat.read')
  @Get('conversations/:id/csat')
  async ofConversation(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.conversations.get(p, id); // the same visibility as the conversation itself
    return this.csat.ofConversation(id);
  }

  private async inboxOrThrow(id: string) {
    if (!(await this.inboxes.get(this.tx.manager, id))) throw notFound('inbox', id);
  }
}
