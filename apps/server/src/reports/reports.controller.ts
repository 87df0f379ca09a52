import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { DomainError } from '@inbox/core';
import { Can } from '../http/auth.decorators';
import { ReportsRepository } from './reports.repository';

export class KpiQuery {
  @ApiPropertyOptional({ description: 'start of the period (ISO date); default 7 days ago' }) @IsOptional() @IsDateString() from?: string;
  @ApiPropertyOptional({ description: 'end of the period (ISO date); default now' }) @IsOptional() @IsDateString() to?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() teamId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() inboxId?: string;
  @ApiPropertyOptional({ description: 'first-response target in seconds; later first responses count as SLA breaches', default: 3600 })
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(30 * 86400)
  firstResponseTargetSeconds?: number;
}

/** The coordinators' KPIs over a period: volumes, first response, resolution, SLA breaches, per agent. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsRepository) {}

  @Can('reports.read')
  @Get('kpis')
  async kpis(@Query() q: KpiQuery) {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 86400_000);
    if (!(from < to)) throw new DomainError('VALIDATION_FAILED', 'from must be before to', { fields: { from: ['must be before to'] } });
    return this.reports.kpis({ from, to, teamId: q.teamId ?? null, inboxId: q.inboxId ?? null, targetSeconds: q.firstResponseTargetSeconds ?? 3600 });
  }
}
