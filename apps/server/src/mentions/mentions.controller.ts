import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { ConversationService, MentionService, Principal, decodeCursor, encodeCursor } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';

export class ListMentionsQuery {
  @ApiPropertyOptional({ description: 'true: only mentions not read yet' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() cursor?: string;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class MarkMentionsReadDto {
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(500) @IsUUID(undefined, { each: true }) ids?: string[];
  @ApiPropertyOptional({ description: 'every mention of the caller in this conversation' }) @IsOptional() @IsUUID() conversationId?: string;
}

/** The caller's own @mentions: newest first with the conversation's summary, and marking them read. */
@ApiTags('mentions')
@ApiBearerAuth()
@Controller()
export class MentionsController {
  constructor(
    private readonly mentions: MentionService,
    private readonly conversations: ConversationService,
  ) {}

  /** The teammates a note in this conversation can name (the composer's `@` list). */
  @Can('mention.create')
  @Get('conversations/:id/mentionable')
  async mentionable(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    const conv = await this.conversations.get(p, id);
    return this.mentions.mentionable(p, conv.inboxId);
  }

  @Can('mention.read')
  @Get('mentions')
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListMentionsQuery) {
    const page = await this.mentions.list(p, {
      unread: q.unread === true,
      before: q.cursor ? decodeCursor<{ createdAt: string; id: string }>(q.cursor) : undefined,
      limit: q.limit ?? 50,
    });
    return { items: page.items, unread: page.unread, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null };
  }

  @Can('mention.read')
  @Post('mentions/read')
  @HttpCode(200)
  read(@CurrentPrincipal() p: Principal, @Body() dto: MarkMentionsReadDto) {
    return this.mentions.markRead(p, { ids: dto.ids, conversationId: dto.conversationId });
  }
}
