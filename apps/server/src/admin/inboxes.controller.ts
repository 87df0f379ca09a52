import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { Response } from 'express';
import {
  AccessChanges,
  CHANNEL_KINDS,
  ChannelKind,
  DomainError,
  InboundMessage,
  IngestService,
  Principal,
  UserRepository,
  Transactions,
  httpStatusFor,
  notFound,
} from '@inbox/core';
import { AllowInboxToken, CurrentPrincipal, Roles } from '../http/auth.decorators';
import { InboxesService } from './inboxes.service';
import { AssignmentService } from '../routing/assignment.service';
import { validateItem } from '../http/validation';

export class CreateInboxDto {
  @ApiProperty() @IsString() @Length(1, 120) name: string;
  @ApiProperty({ enum: CHANNEL_KINDS }) @IsIn(CHANNEL_KINDS) channel: ChannelKind;
  @ApiPropertyOptional() @IsOptional() @IsUUID() teamId?: string;
  @ApiPropertyOptional({ description: 'API channel: where replies are POSTed, signed' }) @IsOptional() @IsString() @MaxLength(2000) webhookUrl?: string;
  // Channel-specific settings: each adapter's configure() validates its own in depth.
  @ApiPropertyOptional({ description: 'email: the address customers write to' }) @IsOptional() @IsEmail() address?: string;
  @ApiPropertyOptional({ description: 'email: {host, port, secure, user, password, mailbox?}' }) @IsOptional() @IsObject() imap?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'email: {host, port, secure, user?, password?}' }) @IsOptional() @IsObject() smtp?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'slack: xoxb- bot token; telegram: the token @BotFather gave the bot' }) @IsOptional() @IsString() @MaxLength(500) botToken?: string;
  @ApiPropertyOptional({ description: 'slack: signing secret of the Slack app' }) @IsOptional() @IsString() @MaxLength(500) signingSecret?: string;
  @ApiPropertyOptional({ description: 'slack: channel ids to watch' }) @IsOptional() @IsArray() @IsString({ each: true }) channels?: string[];
  @ApiPropertyOptional({ description: 'webchat: origins allowed to embed the widget' }) @IsOptional() @IsArray() @IsString({ each: true }) allowedOrigins?: string[];
  @ApiPropertyOptional({ description: 'webchat: colours, texts, pre-chat form, linked email inbox...' }) @IsOptional() @IsObject() widget?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'whatsapp: phone number ID (WhatsApp → API Setup)' }) @IsOptional() @IsString() @MaxLength(40) phoneNumberId?: string;
  @ApiPropertyOptional({ description: 'whatsapp: WhatsApp Business Account ID' }) @IsOptional() @IsString() @MaxLength(40) businessAccountId?: string;
  @ApiPropertyOptional({ description: 'whatsapp: system user access token' }) @IsOptional() @IsString() @MaxLength(1000) accessToken?: string;
  @ApiPropertyOptional({ description: 'messenger: Facebook Page ID' }) @IsOptional() @IsString() @MaxLength(40) pageId?: string;
  @ApiPropertyOptional({ description: 'instagram: Instagram professional account ID' }) @IsOptional() @IsString() @MaxLength(40) instagramAccountId?: string;
  @ApiPropertyOptional({ description: 'messenger, instagram: Page access token' }) @IsOptional() @IsString() @MaxLength(1000) pageAccessToken?: string;
  @ApiPropertyOptional({ description: 'whatsapp, messenger, instagram: app secret of the Meta app (signs webhooks)' }) @IsOptional() @IsString() @MaxLength(200) appSecret?: string;
  @ApiPropertyOptional({ description: 'whatsapp, messenger, instagram: webhook verify token; generated when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  verifyToken?: string;
  @ApiPropertyOptional({ description: 'x: API key (consumer key) of the X app' }) @IsOptional() @IsString() @MaxLength(200) consumerKey?: string;
  @ApiPropertyOptional({ description: 'x: API key secret (consumer secret); signs the CRC answers and webhooks' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  consumerSecret?: string;
  @ApiPropertyOptional({ description: 'x: access token secret of the account (accessToken: its access token)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  accessTokenSecret?: string;
  @ApiPropertyOptional({ description: "x: the account's own user id (its messages are not customers')" }) @IsOptional() @IsString() @MaxLength(40) userId?: string;
  @ApiPropertyOptional({ description: 'phone: the number customers call (shown to agents)' }) @IsOptional() @IsString() @MaxLength(40) number?: string;
}

export class UpdateInboxDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 120) name?: string;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsUUID() teamId?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional({ description: 'webchat: origins allowed to embed the widget (replaces the list)' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  allowedOrigins?: string[];
  @ApiPropertyOptional({ description: 'webchat: the widget settings to change (others stay); the website token never changes' }) @IsOptional() @IsObject() widget?: Record<
    string,
    unknown
  >;
}

export class InboxMemberDto {
  @ApiProperty() @IsUUID() userId: string;
}

export class IncomingContactDto {
  @ApiProperty({ description: "the customer's id in your system" }) @IsString() @Length(1, 256) identifier: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) phone?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(2, 8) language?: string;
}

export class IncomingMessageDto {
  @ApiProperty({ description: 'your id of this message; sending it again is a no-op' }) @IsString() @Length(1, 512) externalId: string;
  @ApiProperty() @IsDefined() @ValidateNested() @Type(() => IncomingContactDto) contact: IncomingContactDto;
  @ApiPropertyOptional({ description: 'messages with one threadKey share a conversation; default: one per contact' }) @IsOptional() @IsString() @Length(1, 512) threadKey?: string;
  @ApiProperty() @IsString() @MaxLength(100_000) text: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500_000) html?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) subject?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(3) priority?: number;
  @ApiPropertyOptional() @IsOptional() @IsObject() metadata?: Record<string, unknown>;
}

export const INCOMING_BATCH_MAX = 500;

export class IncomingBatchDto {
  // Each item is validated on its own (validateItem) so one bad item is answered in its place, not with a 400 for all.
  @ApiProperty({ type: [IncomingMessageDto], maxItems: INCOMING_BATCH_MAX, description: 'each item as for POST /inboxes/:id/incoming' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(INCOMING_BATCH_MAX)
  messages: unknown[];
}

export interface IncomingBatchItemResult {
  index: number;
  /** 201 stored, 200 already stored under this externalId (the same ids), 4xx refused. */
  status: number;
  conversationId?: string;
  messageId?: string;
  contactId?: string;
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

const toInbound = (inboxId: string, dto: IncomingMessageDto): InboundMessage => ({
  inboxId,
  channel: 'api',
  externalId: dto.externalId,
  contact: dto.contact,
  threadKey: dto.threadKey ?? null,
  text: dto.text,
  html: dto.html ?? null,
  subject: dto.subject ?? null,
  priority: dto.priority,
  metadata: dto.metadata,
});

@ApiTags('inboxes')
@ApiBearerAuth()
@Controller('inboxes')
export class InboxesController {
  constructor(
    private readonly inboxes: InboxesService,
    private readonly ingest: IngestService,
    private readonly tx: Transactions,
    private readonly users: UserRepository,
    private readonly access: AccessChanges,
    private readonly routing: AssignmentService,
  ) {}

  @Roles('admin')
  @Post()
  create(@Body() dto: CreateInboxDto) {
    const { name, channel, teamId, ...channelFields } = dto;
    return this.inboxes.create({ name, channel, teamId: teamId ?? null }, channelFields);
  }

  @Get()
  list(@CurrentPrincipal() p: Principal) {
    return this.inboxes.list(p);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.inboxes.get(p, id);
  }

  @Roles('admin')
  @Patch(':id')
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateInboxDto) {
    const { allowedOrigins, widget, ...base } = dto;
    return this.inboxes.update(id, base, { allowedOrigins, widget });
  }

  @Roles('admin')
  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id', ParseUUIDPipe) id: string) {
    return this.inboxes.remove(id);
  }

  @Roles('admin', 'coordinator')
  @Get(':id/members')
  members(@Param('id', ParseUUIDPipe) id: string) {
    return this.inboxes.members(id);
  }

  @Roles('admin')
  @Post(':id/members')
  async addMember(@Param('id', ParseUUIDPipe) id: string, @Body() dto: InboxMemberDto) {
    if (!(await this.users.get(this.tx.manager, dto.userId))) throw notFound('user', dto.userId);
    const members = await this.inboxes.addMember(id, dto.userId);
    // Open sockets re-authenticate and join the inbox's room.
    this.access.publish({ subject: 'user', id: dto.userId, effect: 'changed' });
    return members;
  }

  @Roles('admin')
  @Delete(':id/members/:userId')
  @HttpCode(204)
  async removeMember(@Param('id', ParseUUIDPipe) id: string, @Param('userId', ParseUUIDPipe) userId: string): Promise<void> {
    await this.inboxes.removeMember(id, userId);
    // The agent stops seeing the inbox at once: open sockets leave its rooms, and the
    // conversations of that inbox they were working on go back to the queue.
    this.access.publish({ subject: 'user', id: userId, effect: 'changed' });
    await this.routing.requeueAgent(userId, 'removed_from_inbox', { inboxId: id });
  }

  /** API channel: an integration pushes a customer's message with the inbox token. */
  @AllowInboxToken()
  @Post(':id/incoming')
  async incoming(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: IncomingMessageDto, @Res({ passthrough: true }) res: Response) {
    if (p.type !== 'inbox') throw new DomainError('FORBIDDEN', 'use the inbox token returned when the inbox was created');
    if (p.inboxId !== id) throw new DomainError('FORBIDDEN', 'this token belongs to another inbox');
    const result = await this.ingest.ingest(toInbound(id, dto));
    res.status(result.created ? 201 : 200);
    return { conversationId: result.conversationId, messageId: result.messageId, contactId: result.contactId, duplicate: !result.created };
  }

  /**
   * API channel: up to 500 messages in one request and one transaction. Each item is answered in
   * its place with the single endpoint's idempotency (201 stored, 200 seen before, same ids); a
   * bad item is a 4xx in its place and the others are stored.
   */
  @AllowInboxToken()
  @Post(':id/incoming/batch')
  @HttpCode(200)
  async incomingBatch(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: IncomingBatchDto): Promise<{ results: IncomingBatchItemResult[] }> {
    if (p.type !== 'inbox') throw new DomainError('FORBIDDEN', 'use the inbox token returned when the inbox was created');
    if (p.inboxId !== id) throw new DomainError('FORBIDDEN', 'this token belongs to another inbox');
    const results: IncomingBatchItemResult[] = new Array(dto.messages.length);
    const valid: Array<{ index: number; message: InboundMessage }> = [];
    dto.messages.forEach((item, index) => {
      const checked = validateItem(IncomingMessageDto, item);
      if ('error' in checked) results[index] = refusal(index, checked.error);
      else valid.push({ index, message: toInbound(id, checked.value) });
    });
    const outcomes = await this.ingest.ingestBatch(
      id,
      valid.map((v) => v.message),
    );
    outcomes.forEach((o, i) => {
      const index = valid[i].index;
      results[index] =
        'error' in o ? refusal(index, o.error) : { index, status: o.created ? 201 : 200, conversationId: o.conversationId, messageId: o.messageId, contactId: o.contactId };
    });
    return { results };
  }
}

function refusal(index: number, e: DomainError): IncomingBatchItemResult {
  return { index, status: httpStatusFor(e.code), code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
}
