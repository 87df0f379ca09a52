import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsEmail, IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import type { Response } from 'express';
import { AllowInboxToken, CurrentPrincipal, DomainError, InboundMessage, IngestService, Principal, httpStatusFor, validateItem } from '@inbox/core';

export class IncomingContactDto {
  @ApiProperty({ description: "the customer's id in your system" }) @IsString() @Length(1, 256) identifier: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) phone?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(2, 8) language?: string;
}

export class IncomingMessageDto {
  @ApiProperty({ description: 'your id of this message; sending it again is a no-op' }) @IsString() @Length(1, 512) externalId: string;
  @ApiProperty() @IsDefined() @ValidateNested() @Type(() => IncomingContactDto) contact: IncomingContactDto;
  @ApiPropertyOptional({ description: 'messages with one threadKey share a conversation; default: one per contact' }) @IsOptional() @IsString() @Length(1, 512) threadKey?: string;
  @ApiProperty() @IsString() @MaxLength(100_000) text: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500_000) html?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) subject?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(3) priority?: number;
  @ApiPropertyOptional() @IsOptional() @IsObject() metadata?: Record<string, unknown>;
}

export const INCOMING_BATCH_MAX = 500;

export class IncomingBatchDto {
  // Each item is validated on its own (validateItem) so one bad item is answered in its place, not with a 400 for all.
  @ApiProperty({ type: [IncomingMessageDto], maxItems: INCOMING_BATCH_MAX, description: 'each item as for POST /inboxes/:id/incoming' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(INCOMING_BATCH_MAX)
  messages: unknown[];
}

export interface IncomingBatchItemResult {
  index: number;
  /** 201 stored, 200 already stored under this externalId (the same ids), 4xx refused. */
  status: number;
  conversationId?: string;
  messageId?: string;
  contactId?: string;
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

const toInbound = (p: Principal & { type: 'inbox' }, dto: IncomingMessageDto): InboundMessage => ({
  inboxId: p.inboxId,
  inboxTokenHash: p.unconfirmedTokenHash,
  channel: 'api',
  externalId: dto.externalId,
  contact: dto.contact,
  threadKey: dto.threadKey ?? null,
  text: dto.text,
  html: dto.html ?? null,
  subject: dto.subject ?? null,
  priority: dto.priority,
  metadata: dto.metadata,
});

/** Only the inbox's own token pushes into it: the guard lets inbox tokens in (AllowInboxToken), this checks whose. */
function assertInboxToken(p: Principal, inboxId: string): asserts p is Principal & { type: 'inbox' } {
  if (p.type !== 'inbox') throw new DomainError('FORBIDDEN', 'use the inbox token returned when the inbox was created');
  if (p.inboxId !== inboxId) throw new DomainError('FORBIDDEN', 'this token belongs to another inbox');
}

function refusal(index: number, e: DomainError): IncomingBatchItemResult {
  return { index, status: httpStatusFor(e.code), code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
}

/** API channel inbound: an integration pushes its customers' messages with the inbox token. */
@ApiTags('inboxes')
@ApiBearerAuth()
@Controller('inboxes')
export class ApiIncomingController {
  constructor(private readonly ingest: IngestService) {}

  /** One message; sending the same externalId again answers 200 with the same ids. */
  @AllowInboxToken({ confirmedByWrite: true })
  @Post(':id/incoming')
  async incoming(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: IncomingMessageDto, @Res({ passthrough: true }) res: Response) {
    assertInboxToken(p, id);
    const result = await this.ingest.ingest(toInbound(p, dto));
    res.status(result.created ? 201 : 200);
    return { conversationId: result.conversationId, messageId: result.messageId, contactId: result.contactId, duplicate: !result.created };
  }

  /**
   * Up to 500 messages in one request and one transaction. Each item is answered in its place
   * with the single endpoint's idempotency (201 stored, 200 seen before, same ids); a bad item is
   * a 4xx in its place and the others are stored.
   */
  @AllowInboxToken({ confirmedByWrite: true })
  @Post(':id/incoming/batch')
  @HttpCode(200)
  async incomingBatch(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: IncomingBatchDto): Promise<{ results: IncomingBatchItemResult[] }> {
    assertInboxToken(p, id);
    const results: IncomingBatchItemResult[] = new Array(dto.messages.length);
    const valid: Array<{ index: number; message: InboundMessage }> = [];
    dto.messages.forEach((item, index) => {
      const checked = validateItem(IncomingMessageDto, item);
      if ('error' in checked) results[index] = refusal(index, checked.error);
      else valid.push({ index, message: toInbound(p, checked.value) });
    });
    const outcomes = await this.ingest.ingestBatch(
      id,
      valid.map((v) => v.message),
    );
    outcomes.forEach((o, i) => {
      const index = valid[i].index;
      results[index] =
        'error' in o ? refusal(index, o.error) : { index, status: o.created ? 201 : 200, conversationId: o.conversationId, messageId: o.messageId, contactId: o.contactId };
    });
    return { results };
  }
}
