import { Body, Controller, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { AccessService, Can, CurrentPrincipal, Principal } from '@inbox/core';
import { SlackBotService } from './slack-bot.service';

export class SlackPostDto {
  @ApiProperty({ description: 'Slack channel id (C…, G…, D…)' })
  @IsString()
  @Matches(/^[CGD][A-Z0-9]{2,30}$/, { message: 'channel must be a Slack channel id such as C0123ABCD' })
  channel: string;
  @ApiPropertyOptional({ description: 'ts of the thread parent; omitted = a new top-level message (a new thread)' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,12}\.\d{1,8}$/, { message: 'threadTs must be a Slack ts such as 1700000000.000100' })
  threadTs?: string;
  @ApiProperty({ description: 'Slack mrkdwn' }) @IsString() @Length(1, 40_000) text: string;
}

@ApiTags('slack')
@ApiBearerAuth()
@Controller('inboxes')
export class SlackBotController {
  constructor(
    private readonly bots: SlackBotService,
    private readonly access: AccessService,
  ) {}

  /** Bots (and admins) post into a Slack channel or thread through the inbox; recorded in the conversation. */
  @Can('channel.post')
  @Post(':id/slack/messages')
  post(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: SlackPostDto) {
    this.access.assertCanUseInbox(p, id); // a scoped bot posts only through its own inboxes
    return this.bots.post(p, id, dto);
  }
}
