import { Body, Controller, Headers, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '@inbox/core';
import { TelegramWebhookService } from './telegram-webhook.service';

/**
 * The webhook URL the server registered with setWebhook. Public: Telegram has no bearer
 * token; it proves itself with the secret token we gave it, in X-Telegram-Bot-Api-Secret-Token.
 */
@ApiExcludeController()
@Public()
@Controller('channels/telegram')
export class TelegramWebhookController {
  constructor(private readonly webhooks: TelegramWebhookService) {}

  @Post(':key/webhook')
  @HttpCode(200)
  receive(
    @Param('key', ParseUUIDPipe) key: string,
    @Req() req: Request & { rawBody?: Buffer },
    @Body() body: unknown,
    @Headers('x-telegram-bot-api-secret-token') secret: string | undefined,
  ) {
    return this.webhooks.receive(key, req.rawBody, body, secret);
  }
}
