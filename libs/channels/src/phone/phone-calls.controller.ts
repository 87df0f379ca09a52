import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import type { Response } from 'express';
import { AllowInboxToken, Can, CurrentPrincipal, DomainError, Principal } from '@inbox/core';
import { CALL_DIRECTIONS, CALL_STATUSES, CallDirection, CallStatus } from './phone-call.util';
import { ManualCall, PhoneCallsService } from './phone-calls.service';

const PHONE = /^\+?[0-9][0-9 ().-]{1,38}$/;

export class CallContactDto {
  @ApiProperty({ description: 'the caller in your system (usually the number, E.164); one conversation per identifier' }) @IsString() @Length(1, 256) identifier: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiProperty({ example: '+380441234567' }) @IsString() @Matches(PHONE, { message: 'phone must be a phone number such as +380441234567' }) phone: string;
}

export class ReportCallDto {
  @ApiProperty({ description: "the telephony system's id of the call; the same id again updates that call" }) @IsString() @Length(1, 512) externalId: string;
  @ApiProperty({ enum: CALL_DIRECTIONS }) @IsIn(CALL_DIRECTIONS) direction: CallDirection;
  @ApiProperty() @IsDefined() @ValidateNested() @Type(() => CallContactDto) contact: CallContactDto;
  @ApiProperty({ enum: CALL_STATUSES }) @IsIn(CALL_STATUSES) status: CallStatus;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) startedAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) answeredAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) endedAt?: string;
  @ApiPropertyOptional({ description: 'the agent who took or made the call' }) @IsOptional() @IsString() @MaxLength(320) agentEmail?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'recordingUrl must be an http(s) URL' })
  @MaxLength(2000)
  recordingUrl?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200_000) transcript?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(10_000) notes?: string;
}

const MANUAL_OUTCOMES = ['completed', 'missed', 'voicemail', 'failed'] as const;

export class LogCallDto {
  @ApiProperty({ enum: CALL_DIRECTIONS }) @IsIn(CALL_DIRECTIONS) direction: CallDirection;
  @ApiProperty({ enum: MANUAL_OUTCOMES }) @IsIn(MANUAL_OUTCOMES) outcome: ManualCall['outcome'];
  @ApiProperty({ description: 'talk time in seconds' }) @IsInt() @Min(0) @Max(86_400) durationSeconds: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(10_000) notes?: string;
  @ApiPropertyOptional({ description: 'when the call ended; default now' }) @IsOptional() @IsISO8601({ strict: true }) endedAt?: string;
}

const date = (field: string, v: string | undefined, fallback: Date): Date => {
  if (v === undefined) return fallback;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new DomainError('VALIDATION_FAILED', `${field} must be an ISO 8601 date`, { fields: { [field]: ['must be an ISO 8601 date'] } });
  return d;
};

@ApiTags('phone')
@ApiBearerAuth()
@Controller()
export class PhoneCallsController {
  constructor(private readonly calls: PhoneCallsService) {}

  /** A telephony system reports a call (and its updates) with the phone inbox's token. */
  @AllowInboxToken()
  @Post('inboxes/:id/calls')
  async report(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReportCallDto, @Res({ passthrough: true }) res: Response) {
    if (p.type !== 'inbox') throw new DomainError('FORBIDDEN', 'use the inbox token returned when the phone inbox was created');
    if (p.inboxId !== id) throw new DomainError('FORBIDDEN', 'this token belongs to another inbox');
    for (const [a, b] of [
      ['startedAt', 'answeredAt'],
      ['answeredAt', 'endedAt'],
      ['startedAt', 'endedAt'],
    ] as const) {
      if (dto[a] && dto[b] && new Date(dto[a]!) > new Date(dto[b]!))
        throw new DomainError('VALIDATION_FAILED', `${b} must not be before ${a}`, { fields: { [b]: [`must not be before ${a}`] } });
    }
    const r = await this.calls.report(id, dto);
    res.status(r.created ? 201 : 200);
    return r;
  }

  /** An agent logs a desk-phone call in the conversation. */
  @Can('conversation.reply')
  @Post('conversations/:id/calls')
  log(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: LogCallDto) {
    return this.calls.logManual(p, id, dto);
  }

  /** Calls per direction, outcome, agent and channel; missed inbound calls and how long their call-back took. */
  @Can('reports.read')
  @Get('reports/calls')
  report_(@Query('from') from: string | undefined, @Query('to') to: string | undefined, @Query('inboxId') inboxId: string | undefined) {
    const end = date('to', to, new Date());
    const start = date('from', from, new Date(end.getTime() - 30 * 86_400_000));
    if (inboxId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(inboxId))
      throw new DomainError('VALIDATION_FAILED', 'inboxId must be a UUID', { fields: { inboxId: ['must be a UUID'] } });
    return this.calls.callsReport({ from: start, to: end, inboxId: inboxId ?? null });
  }
}
