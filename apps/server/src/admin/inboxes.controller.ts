import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsEmail, IsIn, IsObject, IsOptional, IsString, IsUUID, Length, MaxLength, ValidateIf } from 'class-validator';
import { AccessChanges, CHANNEL_KINDS, ChannelKind, Principal, UserRepository, Transactions, notFound } from '@inbox/core';
import { CurrentPrincipal, Roles } from '../http/auth.decorators';
import { InboxesService } from './inboxes.service';
import { AssignmentService } from '../routing/assignment.service';

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

@ApiTags('inboxes')
@ApiBearerAuth()
@Controller('inboxes')
export class InboxesController {
  constructor(
    private readonly inboxes: InboxesService,
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
}
