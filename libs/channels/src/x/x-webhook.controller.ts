import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '@inbox/core';
import { XWebhookService } from './x-webhook.service';

/**
 * The webhook URL registered with X's Account Activity API. Public: X proves itself with
 * the consumer secret (the CRC answer on GET, x-twitter-webhooks-signature on POST).
 */
@ApiExcludeController()
@Public()
@Controller('channels/x')
export class XWebhookController {
  constructor(private readonly webhooks: XWebhookService) {}

  @Get(':key/webhook')
  crc(@Param('key', ParseUUIDPipe) key: string, @Query('crc_token') crcToken: string | undefined) {
    return this.webhooks.crc(key, crcToken);
  }

  @Post(':key/webhook')
  @HttpCode(200)
  receive(
    @Param('key', ParseUUIDPipe) key: string,
    @Req() req: Request & { rawBody?: Buffer },
    @Body() body: unknown,
    @Headers('x-twitter-webhooks-signature') signature: string | undefined,
  ) {
    return this.webhooks.receive(key, req.rawBody, body, signature);
  }
}
