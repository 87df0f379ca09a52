import { Body, Controller, Headers, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '@inbox/core';
import { SlackEventsService } from './slack-events.service';

/**
 * Slack's Events API request URL, one per inbox. Public: Slack has no bearer token,
 * it signs the exact body with the app's signing secret, which the service checks first.
 */
@ApiExcludeController()
@Public()
@Controller('channels/slack')
export class SlackEventsController {
  constructor(private readonly events: SlackEventsService) {}

  @Post(':inboxId/events')
  @HttpCode(200)
  receive(
    @Param('inboxId', ParseUUIDPipe) inboxId: string,
    @Req() req: Request & { rawBody?: Buffer },
    @Body() body: unknown,
    @Headers('x-slack-request-timestamp') timestamp: string | undefined,
    @Headers('x-slack-signature') signature: string | undefined,
    @Headers('x-slack-retry-num') retryNum: string | undefined,
    @Headers('x-slack-retry-reason') retryReason: string | undefined,
  ) {
    return this.events.receive({ inboxId, rawBody: req.rawBody, body, timestamp, signature, retryNum, retryReason });
  }
}
