import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDateString, IsIn, IsOptional, IsString, IsUUID, IsUrl, Length, MaxLength, ValidateIf } from 'class-validator';
import { AccessChanges, BOT_SCOPES, BotRepository, BotScope, DomainError, Principal, Transactions, hashToken, newToken, notFound } from '@inbox/core';
import { CurrentPrincipal, Roles } from '../http/auth.decorators';
import { WEBHOOK_EVENTS } from '../webhooks/webhook-events.util';
import { WebhookService } from '../webhooks/webhook.service';

const URL_RULES = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

export class CreateBotDto {
  @ApiProperty() @IsString() @Length(1, 80) name: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) description?: string;
  @ApiPropertyOptional({ description: 'the only inboxes the token sees and acts in; absent: every inbox' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsUUID(undefined, { each: true })
  inboxIds?: string[];
  @ApiPropertyOptional({ enum: BOT_SCOPES, isArray: true, description: 'default: all' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(BOT_SCOPES, { each: true })
  scopes?: BotScope[];
  @ApiPropertyOptional({ description: 'the token stops working then' }) @IsOptional() @IsDateString() tokenExpiresAt?: string;
  @ApiPropertyOptional({ description: "events are POSTed here, signed (the subscription's secret is returned once as webhookSecret)" })
  @IsOptional()
  @IsUrl(URL_RULES)
  webhookUrl?: string;
  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS, isArray: true, description: 'events for webhookUrl; default: all' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events?: string[];
}

export class UpdateBotDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 80) name?: string;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(500) description?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional({ nullable: true, description: 'null: every inbox' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsArray()
  @ArrayMaxSize(200)
  @IsUUID(undefined, { each: true })
  inboxIds?: string[] | null;
  @ApiPropertyOptional({ enum: BOT_SCOPES, isArray: true }) @IsOptional() @IsArray() @ArrayMinSize(1) @IsIn(BOT_SCOPES, { each: true }) scopes?: BotScope[];
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsDateString() tokenExpiresAt?: string | null;
}

export class RotateTokenDto {
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsDateString() tokenExpiresAt?: string | null;
}

@ApiTags('bots')
@ApiBearerAuth()
@Roles('admin')
@Controller('bots')
export class BotsController {
  constructor(
    private readonly tx: Transactions,
    private readonly bots: BotRepository,
    private readonly access: AccessChanges,
    private readonly webhooks: WebhookService,
  ) {}

  /** The token is shown once, here; only its hash is stored. */
  @ApiOperation({ summary: 'Create a bot: its token (shown once), inbox scope, scopes, expiry and optional event webhook' })
  @Post()
  async create(@CurrentPrincipal() p: Principal, @Body() dto: CreateBotDto) {
    await this.assertInboxesExist(dto.inboxIds);
    const expiresAt = this.expiry(dto.tokenExpiresAt);
    const token = newToken('bot');
    const bot = await this.bots.create(this.tx.manager, {
      name: dto.name,
      description: dto.description ?? null,
      webhookUrl: dto.webhookUrl ?? null,
      tokenHash: hashToken(token),
      inboxIds: dto.inboxIds ?? null,
      scopes: dto.scopes ?? [...BOT_SCOPES],
      tokenExpiresAt: expiresAt ?? null,
    });
    if (!dto.webhookUrl) return { ...bot, token };
    try {
      const sub = await this.webhooks.create(p, { url: dto.webhookUrl, events: dto.events ?? [...WEBHOOK_EVENTS] }, bot.id);
      return { ...bot, token, webhookId: sub.id, webhookSecret: sub.secret };
    } catch (err) {
      await this.bots.delete(this.tx.manager, bot.id); // a refused webhook URL creates no bot
      throw err;
    }
  }

  @Get()
  list() {
    return this.bots.list(this.tx.manager);
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return (await this.bots.get(this.tx.manager, id)) ?? Promise.reject(notFound('bot', id));
  }

  @ApiOperation({ summary: 'Change a bot; narrowing its inboxes or scopes reaches its open sockets at once' })
  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateBotDto) {
    await this.assertInboxesExist(dto.inboxIds ?? undefined);
    const expiresAt = this.expiry(dto.tokenExpiresAt);
    const bot = await this.bots.update(this.tx.manager, id, {
      name: dto.name,
      description: dto.description,
      active: dto.active,
      inboxIds: dto.inboxIds,
      scopes: dto.scopes,
      tokenExpiresAt: expiresAt,
    });
    if (!bot) throw notFound('bot', id);
    this.webhooks.botChanged();
    if (dto.active === false || dto.tokenExpiresAt !== undefined) this.access.publish({ subject: 'bot', id, effect: 'ended' });
    else if (dto.inboxIds !== undefined || dto.scopes !== undefined) this.access.publish({ subject: 'bot', id, effect: 'changed' });
    return bot;
  }

  /** Issues a new token; the old one stops working at once. */
  @ApiOperation({ summary: 'Rotate the token: the old one stops at once (optionally with an expiry for the new one)' })
  @Post(':id/token')
  async rotate(@Param('id', ParseUUIDPipe) id: string, @Body() dto: RotateTokenDto) {
    const token = newToken('bot');
    const bot = await this.bots.update(this.tx.manager, id, {
      tokenHash: hashToken(token),
      ...(dto?.tokenExpiresAt !== undefined ? { tokenExpiresAt: this.expiry(dto.tokenExpiresAt) } : {}),
    });
    if (!bot) throw notFound('bot', id);
    // Sockets opened with the old token close on every replica.
    this.access.publish({ subject: 'bot', id, effect: 'ended' });
    return { ...bot, token };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string) {
    if (!(await this.bots.delete(this.tx.manager, id))) throw notFound('bot', id);
    this.access.publish({ subject: 'bot', id, effect: 'ended' });
  }

  private expiry(v: string | null | undefined): Date | null | undefined {
    if (v === undefined || v === null) return v;
    const at = new Date(v);
    if (!(at.getTime() > Date.now())) throw new DomainError('VALIDATION_FAILED', 'tokenExpiresAt must be in the future', { fields: { tokenExpiresAt: ['must be in the future'] } });
    return at;
  }

  private async assertInboxesExist(ids: string[] | undefined): Promise<void> {
    if (!ids?.length) return;
    const rows = await this.tx.manager.query<Array<{ id: string }>>(`SELECT id FROM inboxes WHERE id = ANY($1::uuid[])`, [ids]);
    const missing = ids.find((i) => !rows.some((r) => r.id === i));
    if (missing) throw new DomainError('VALIDATION_FAILED', `unknown inbox ${missing}`, { fields: { inboxIds: [`unknown inbox ${missing}`] } });
  }
}
