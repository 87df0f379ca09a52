import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, IsUrl, Length, Max, Min, ValidateIf } from 'class-validator';
import { Principal } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';
import { WEBHOOK_EVENTS } from './webhook-events.util';
import { WebhookService } from './webhook.service';

const URL_RULES = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://bot.example.com/hooks/inbox' }) @IsUrl(URL_RULES) url: string;
  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true }) @IsArray() @ArrayMinSize(1) @IsIn(WEBHOOK_EVENTS, { each: true }) events: string[];
  @ApiPropertyOptional({ description: 'only these inboxes (default: every inbox the owner sees)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsUUID(undefined, { each: true })
  inboxIds?: string[];
  @ApiPropertyOptional({ description: 'HMAC key; generated (and shown once) when absent' }) @IsOptional() @IsString() @Length(16, 200) secret?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional() @IsOptional() @IsUrl(URL_RULES) url?: string;
  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS, isArray: true }) @IsOptional() @IsArray() @ArrayMinSize(1) @IsIn(WEBHOOK_EVENTS, { each: true }) events?: string[];
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsArray() @ArrayMaxSize(200) @IsUUID(undefined, { each: true }) inboxIds?:
    string[] | null;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(16, 200) secret?: string;
  @ApiPropertyOptional({ description: 'true turns a disabled subscription back on' }) @IsOptional() @IsBoolean() active?: boolean;
}

export class ListDeliveriesQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() cursor?: string;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(200) limit?: number;
}

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookService) {}

  @ApiOperation({ summary: 'Subscribe a URL to events (admin; a bot for its own inboxes); the secret is shown once' })
  @Can('webhook.manage')
  @Post()
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(p, dto);
  }

  @ApiOperation({ summary: 'Subscriptions (a bot sees its own)' })
  @Can('webhook.manage')
  @Get()
  list(@CurrentPrincipal() p: Principal) {
    return this.webhooks.list(p);
  }

  @ApiOperation({ summary: 'One subscription' })
  @Can('webhook.manage')
  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.webhooks.get(p, id);
  }

  @ApiOperation({ summary: 'Change a subscription, or turn a disabled one back on' })
  @Can('webhook.manage')
  @Patch(':id')
  update(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateWebhookDto) {
    return this.webhooks.update(p, id, dto);
  }

  @ApiOperation({ summary: 'Delete a subscription and its delivery log' })
  @Can('webhook.manage')
  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    await this.webhooks.remove(p, id);
  }

  @ApiOperation({ summary: 'Delivery log, newest first: status, response code, latency, body excerpt' })
  @Can('webhook.manage')
  @Get(':id/deliveries')
  deliveries(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: ListDeliveriesQuery) {
    return this.webhooks.deliveries(p, id, { limit: q.limit ?? 50, cursor: q.cursor });
  }

  @ApiOperation({ summary: 'Send a delivery again (same id and data, fresh timestamp and signature)' })
  @Can('webhook.manage')
  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  redeliver(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Param('deliveryId', ParseUUIDPipe) deliveryId: string) {
    return this.webhooks.redeliver(p, id, deliveryId);
  }
}
