import { Body, Controller, Get, Header, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError, Public } from '@inbox/core';
import { META_CHANNEL_KINDS, MetaChannelKind } from './meta-events';
import { MetaWebhookService } from './meta-webhook.service';

function kindOf(kind: string): MetaChannelKind {
  if (!(META_CHANNEL_KINDS as readonly string[]).includes(kind)) throw new DomainError('NOT_FOUND', `no Meta channel "${kind}"`);
  return kind as MetaChannelKind;
}

/**
 * The callback URL of a WhatsApp, Messenger or Instagram inbox. Public: Meta has no bearer
 * token; it proves itself with the verify token (GET) and the app-secret signature (POST).
 */
@ApiExcludeController()
@Public()
@Controller('channels')
export class MetaWebhookController {
  constructor(private readonly webhooks: MetaWebhookService) {}

  @Get(':kind/:key/webhook')
  @Header('content-type', 'text/plain; charset=utf-8')
  verify(
    @Param('kind') kind: string,
    @Param('key', ParseUUIDPipe) key: string,
    @Query('hub.mode') mode: string | undefined,
    @Query('hub.verify_token') token: string | undefined,
    @Query('hub.challenge') challenge: string | undefined,
  ) {
    return this.webhooks.verify(kindOf(kind), key, { mode, token, challenge });
  }

  @Post(':kind/:key/webhook')
  @HttpCode(200)
  receive(
    @Param('kind') kind: string,
    @Param('key', ParseUUIDPipe) key: string,
    @Req() req: Request & { rawBody?: Buffer },
    @Body() body: unknown,
    @Headers('x-hub-signature-256') signature: string | undefined,
  ) {
    return this.webhooks.receive(kindOf(kind), key, req.rawBody, body, signature);
  }
}
