import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { CHANNEL_KINDS, CONVERSATION_STATUSES, ConversationStatus, Principal } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';
import { KB_LOCALES } from '../knowledge/knowledge.repository';
import { SEARCH_TYPES, SearchService, SearchType } from './search.service';

const csv = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

export class SearchQuery {
  @ApiProperty({ description: 'words (any order, prefixes), "phrases", an email address, a phone number or an id' }) @IsString() @MinLength(1) @MaxLength(200) q: string;
  @ApiPropertyOptional({ enum: SEARCH_TYPES, default: 'all' }) @IsOptional() @IsIn(SEARCH_TYPES) type?: SearchType;
  @ApiPropertyOptional({ enum: ['relevance', 'recent'], default: 'relevance', description: 'relevance ranks the newest 1,000 matches; recent pages through all' })
  @IsOptional()
  @IsIn(['relevance', 'recent'])
  sort?: 'relevance' | 'recent';
  @ApiPropertyOptional() @IsOptional() @IsUUID() inboxId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() teamId?: string;
  @ApiPropertyOptional({ description: 'comma-separated statuses' }) @IsOptional() @Transform(csv) @IsIn(CONVERSATION_STATUSES, { each: true }) status?: ConversationStatus[];
  @ApiPropertyOptional({ description: 'a user id, or "none"' })
  @IsOptional()
  @ValidateIf((q: SearchQuery) => q.assigneeId !== 'none')
  @IsUUID(undefined, { message: 'assigneeId must be a UUID or "none"' })
  assigneeId?: string;
  @ApiPropertyOptional({ enum: CHANNEL_KINDS }) @IsOptional() @IsIn(CHANNEL_KINDS) channel?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(60) label?: string;
  @ApiPropertyOptional({ description: "ISO date: messages (or conversations' last activity) from" }) @IsOptional() @IsDateString() from?: string;
  @ApiPropertyOptional({ description: 'ISO date, exclusive' }) @IsOptional() @IsDateString() to?: string;
  @ApiPropertyOptional({ enum: KB_LOCALES, description: 'articles of this locale only' }) @IsOptional() @IsIn(KB_LOCALES) locale?: string;
  @ApiPropertyOptional({ description: "a group's nextCursor, with that group as type" }) @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @ApiPropertyOptional({ description: 'per group; default 5 for all, 20 for one type' })
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}

@ApiTags('search')
@ApiBearerAuth()
@Controller('search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  /** Grouped results (conversations, messages, contacts, articles) with highlighted snippets, scoped to what the caller may see. */
  @Can('search.read')
  @Get()
  find(@CurrentPrincipal() p: Principal, @Query() q: SearchQuery) {
    const type = q.type ?? 'all';
    return this.search.search(p, {
      q: q.q,
      type,
      sort: q.sort ?? 'relevance',
      inboxId: q.inboxId,
      teamId: q.teamId,
      status: q.status,
      assigneeId: q.assigneeId === 'none' ? null : q.assigneeId,
      channel: q.channel,
      label: q.label,
      from: q.from,
      to: q.to,
      locale: q.locale,
      cursor: q.cursor,
      limit: q.limit ?? (type === 'all' ? 5 : 20),
    });
  }
}
