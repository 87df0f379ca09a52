import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, IsUrl, Length, MaxLength, ValidateIf } from 'class-validator';
import { AccessChanges, BotRepository, Transactions, hashToken, newToken, notFound } from '@inbox/core';
import { Roles } from '../http/auth.decorators';

export class CreateBotDto {
  @ApiProperty() @IsString() @Length(1, 80) name: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) webhookUrl?: string;
}

export class UpdateBotDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 80) name?: string;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(500) description?: string | null;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) webhookUrl?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
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
  ) {}

  /** The token is shown once, here; only its hash is stored. */
  @Post()
  async create(@Body() dto: CreateBotDto) {
    const token = newToken('bot');
    const bot = await this.bots.create(this.tx.manager, { name: dto.name, description: dto.description ?? null, webhookUrl: dto.webhookUrl ?? null, tokenHash: hashToken(token) });
    return { ...bot, token };
  }

  @Get()
  list() {
    return this.bots.list(this.tx.manager);
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return (await this.bots.get(this.tx.manager, id)) ?? Promise.reject(notFound('bot', id));
  }

  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateBotDto) {
    const bot = await this.bots.update(this.tx.manager, id, dto);
    if (!bot) throw notFound('bot', id);
    if (dto.active === false) this.access.publish({ subject: 'bot', id, effect: 'ended' });
    return bot;
  }

  /** Issues a new token; the old one stops working at once. */
  @Post(':id/token')
  async rotate(@Param('id', ParseUUIDPipe) id: string) {
    const token = newToken('bot');
    const bot = await this.bots.update(this.tx.manager, id, { tokenHash: hashToken(token) });
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
}
