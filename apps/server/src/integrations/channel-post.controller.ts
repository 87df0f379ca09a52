import { Body, Controller, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength, MinLength } from 'class-validator';
import { SlackBotService } from '@inbox/channels';
import { AccessService, DomainError, InboxRepository, Principal, Transactions, notFound } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';
import { StartConversationService } from './start-conversation.service';

export class ChannelPostDto {
  @ApiProperty({ description: 'where to: an email address (email), a contact identifier (API), a Slack channel id, optionally with ":<thread ts>" (Slack)', example: 'C0123ABCD' })
  @IsString()
  @Length(1, 320)
  target: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(40_000) text: string;
  @ApiPropertyOptional({ description: 'required for email' }) @IsOptional() @IsString() @MaxLength(500) subject?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500_000) html?: string;
}

/**
 * One endpoint for bots (and admins) to post into any channel that lets the business write first,
 * recorded in a conversation: Slack channels and threads, a new email, an API contact. Channels
 * with rules of their own (WhatsApp templates, Telegram and Messenger windows) are not offered yet.
 */
@ApiTags('bots')
@ApiBearerAuth()
@Controller('inboxes')
export class ChannelPostController {
  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly access: AccessService,
    private readonly starter: StartConversationService,
    private readonly moduleRef: ModuleRef,
  ) {}

  @ApiOperation({ summary: 'Post into a channel through an inbox (Slack channel or thread, a new email, an API contact); recorded in a conversation' })
  @Can('channel.post')
  @Post(':id/messages')
  async post(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ChannelPostDto) {
    this.access.assertCanUseInbox(p, id);
    const inbox = await this.inboxes.get(this.tx.manager, id);
    if (!inbox) throw notFound('inbox', id);
    switch (inbox.channel) {
      case 'slack': {
        const [channel, threadTs] = dto.target.split(':');
        if (!/^[CGD][A-Z0-9]{2,30}$/.test(channel) || (threadTs !== undefined && !/^\d{1,12}\.\d{1,8}$/.test(threadTs))) {
          throw new DomainError('VALIDATION_FAILED', 'target must be a Slack channel id, optionally with :<thread ts>', {
            fields: { target: ['a Slack channel id such as C0123ABCD, or C0123ABCD:1700000000.000100'] },
          });
        }
        const slack = this.moduleRef.get(SlackBotService, { strict: false });
        const r = await slack.post(p, id, { channel, threadTs, text: dto.text });
        return { conversationId: r.conversationId, conversationCreated: r.conversationCreated, message: r.message };
      }
      case 'email':
      case 'api': {
        const r = await this.starter.start(p, { inboxId: id, contact: { identifier: dto.target }, subject: dto.subject, text: dto.text, html: dto.html });
        return { conversationId: r.conversation.id, conversationCreated: true, message: r.message };
      }
      default:
        throw new DomainError('CHANNEL_NOT_SUPPORTED', `posting into ${inbox.channel} inboxes is not offered yet (Slack, email and API inboxes are)`);
    }
  }
}
