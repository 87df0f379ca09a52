import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDateString, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import type { Response } from 'express';
import { createReadStream } from 'node:fs';
import {
  CHANNEL_KINDS,
  CONVERSATION_SLA_FILTERS,
  CONVERSATION_SORTS,
  CONVERSATION_STATUSES,
  ChannelKind,
  ConversationSlaFilter,
  ConversationSort,
  ConversationService,
  ConversationStatus,
  MAX_MENTIONS_PER_NOTE,
  MessageRepository,
  Principal,
  Transactions,
  attachmentDisposition,
  decodeCursor,
  notFound,
  parseListCursor,
  safeContentType,
} from '@inbox/core';
import { AllowBots, Can, CurrentPrincipal } from '../http/auth.decorators';
import { SearchService } from '../search/search.service';

const csv = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

export class AttachmentQuery {
  @ApiPropertyOptional({ enum: ['inline', 'attachment'], description: 'inline: show an image or PDF in place (other types are always downloads)' })
  @IsOptional()
  @IsIn(['inline', 'attachment'])
  disposition?: 'inline' | 'attachment';
}

export class ListConversationsQuery {
  @ApiPropertyOptional({ description: 'comma-separated statuses' }) @IsOptional() @Transform(csv) @IsIn(CONVERSATION_STATUSES, { each: true }) status?: ConversationStatus[];
  @ApiPropertyOptional() @IsOptional() @IsUUID() inboxId?: string;
  @ApiPropertyOptional({ description: 'a user id, or "none" for unassigned' })
  @IsOptional()
  @ValidateIf((q: ListConversationsQuery) => q.assigneeId !== 'none')
  @IsUUID(undefined, { message: 'assigneeId must be a UUID or "none"' })
  assigneeId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() teamId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() contactId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(60) label?: string;
  @ApiPropertyOptional({ enum: CHANNEL_KINDS, description: 'comma-separated channel kinds' })
  @IsOptional()
  @Transform(csv)
  @IsIn(CHANNEL_KINDS, { each: true })
  channel?: ChannelKind[];
  @ApiPropertyOptional({ description: 'comma-separated priorities, 0 low … 3 urgent' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s)) : value))
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(3, { each: true })
  priority?: number[];
  @ApiPropertyOptional({ description: 'search: only conversations whose subject, messages, contact or id match (see GET /search)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;
  @ApiPropertyOptional({ enum: CONVERSATION_SLA_FILTERS, description: 'comma-separated SLA states (warning = due soon; none = no service level)' })
  @IsOptional()
  @Transform(csv)
  @IsIn(CONVERSATION_SLA_FILTERS, { each: true })
  sla?: ConversationSlaFilter[];
  @ApiPropertyOptional({ enum: CONVERSATION_SORTS, default: 'newest', description: 'ignored with q (search ranks by relevance)' })
  @IsOptional()
  @IsIn(CONVERSATION_SORTS)
  sort?: ConversationSort;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page, with the same sort' }) @IsOptional() @IsString() cursor?: string;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class ListMessagesQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() before?: string;
  @ApiPropertyOptional({ default: 100 }) @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(500) limit?: number;
}

export class PatchConversationDto {
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES }) @IsOptional() @IsIn(CONVERSATION_STATUSES) status?: ConversationStatus;
  @ApiPropertyOptional({ description: '0 low, 1 normal, 2 high, 3 urgent' }) @IsOptional() @IsInt() @Min(0) @Max(3) priority?: number;
  @ApiPropertyOptional() @IsOptional() @IsString({ each: true }) @MaxLength(60, { each: true }) @ArrayMaxSize(30) labels?: string[];
  @ApiPropertyOptional() @IsOptional() @IsDateString() snoozedUntil?: string;
}

export class PostMessageDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(100_000) text: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500_000) html?: string;
  @ApiPropertyOptional({ description: 'true = a private note only agents see' }) @IsOptional() @IsBoolean() private?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsObject() metadata?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'private notes only: ids of teammates the note names as @Name; each must be able to see the inbox', type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_MENTIONS_PER_NOTE)
  @IsUUID(undefined, { each: true })
  mentions?: string[];
}

@ApiTags('conversations')
@ApiBearerAuth()
@AllowBots()
@Controller()
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationService,
    private readonly messages: MessageRepository,
    private readonly tx: Transactions,
    private readonly search: SearchService,
  ) {}

  @Can('conversation.read')
  @Get('conversations')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListConversationsQuery) {
    if (q.q) {
      return this.search.conversations(p, q.q, {
        status: q.status,
        inboxId: q.inboxId,
        assigneeId: q.assigneeId === 'none' ? null : q.assigneeId,
        teamId: q.teamId,
        label: q.label,
        cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: q.limit ?? 50,
      });
    }
    return this.conversations.list(p, {
      status: q.status,
      inboxId: q.inboxId,
      assigneeId: q.assigneeId === 'none' ? null : q.assigneeId,
      teamId: q.teamId,
      contactId: q.contactId,
      label: q.label,
      channel: q.channel,
      priority: q.priority,
      sla: q.sla,
      sort: q.sort,
      cursor: q.cursor ? parseListCursor(q.cursor, q.sort ?? 'newest') : undefined,
      limit: q.limit ?? 50,
    });
  }

  @Can('conversation.read')
  @Get('conversations/:id')
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.conversations.get(p, id);
  }

  @Can('conversation.update')
  @Patch('conversations/:id')
  update(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: PatchConversationDto) {
    return this.conversations.update(p, id, dto);
  }

  @Can('conversation.read')
  @Get('conversations/:id/messages')
  messagesOf(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: ListMessagesQuery) {
    return this.conversations.messagesOf(p, id, { before: q.before, limit: q.limit ?? 100 });
  }

  @Can('conversation.reply')
  @Post('conversations/:id/messages')
  post(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: PostMessageDto) {
    return this.conversations.postMessage(p, id, dto);
  }

  @Can('conversation.reply')
  @Post('conversations/:id/messages/:messageId/retry')
  retry(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Param('messageId', ParseUUIDPipe) messageId: string) {
    return this.conversations.retryMessage(p, id, messageId);
  }

  /** `?disposition=inline` shows an image or a PDF in place (previews); any other type stays a download. */
  @Can('conversation.read')
  @Get('attachments/:id')
  async attachment(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: AttachmentQuery, @Res({ passthrough: true }) res: Response) {
    const a = await this.messages.attachment(this.tx.manager, id);
    if (!a) throw notFound('message', id);
    const msg = (await this.messages.summary(this.tx.manager, a.messageId))!;
    await this.conversations.get(p, msg.conversationId);
    res.set({
      // Stored types come from every channel (mail parts, Slack files): a malformed one must not fail the download.
      'content-type': safeContentType(a.contentType),
      'content-disposition': attachmentDisposition(a.fileName, a.contentType, q.disposition === 'inline'),
      'x-content-type-options': 'nosniff',
    });
    return a.data ? new StreamableFile(a.data) : new StreamableFile(createReadStream(a.storagePath!));
  }
}
