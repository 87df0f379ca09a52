import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDateString, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import type { Request, Response } from 'express';
import { CHANNEL_KINDS, DomainError, Principal, assertCan } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';
import { ReportsRepository } from './reports.repository';
import { ConversationExportRow, DRILL_METRICS, DrillMetric, InsightFilter, ReportInsightsRepository } from './report-insights.repository';
import { REPORT_INTERVALS, ReportInterval, isTimeZone } from './report-math.util';
import { CSV_BOM, CsvValue, csvRow, csvTable } from './csv.util';

const CHANNELS = CHANNEL_KINDS;
const TABLES = ['summary', 'channels', 'agents', 'teams', 'series'] as const;
type Table = (typeof TABLES)[number];

export class KpiQuery {
  @ApiPropertyOptional({ description: 'start of the period (ISO date); default 7 days ago' }) @IsOptional() @IsDateString() from?: string;
  @ApiPropertyOptional({ description: 'end of the period (ISO date); default now' }) @IsOptional() @IsDateString() to?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() teamId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() inboxId?: string;
  @ApiPropertyOptional({ description: 'narrows CSAT, teams, agents, series and drill-down (not the base totals)' }) @IsOptional() @IsUUID() agentId?: string;
  @ApiPropertyOptional({ enum: CHANNELS, description: 'narrows CSAT, teams, agents, series and drill-down (not the base totals)' }) @IsOptional() @IsIn(CHANNELS) channel?: string;
  @ApiPropertyOptional({ description: 'first-response target in seconds; later first responses count as SLA breaches', default: 3600 })
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(30 * 86400)
  firstResponseTargetSeconds?: number;
  @ApiPropertyOptional({ enum: REPORT_INTERVALS, description: 'adds a time series bucketed by local hour, day or ISO week' })
  @IsOptional()
  @IsIn(REPORT_INTERVALS)
  interval?: ReportInterval;
  @ApiPropertyOptional({ description: 'IANA time zone of the buckets', default: 'UTC' }) @IsOptional() @IsString() @MaxLength(64) tz?: string;
  @ApiPropertyOptional({ enum: ['json', 'csv'] }) @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
  @ApiPropertyOptional({ enum: TABLES, description: 'which table a CSV export holds', default: 'summary' }) @IsOptional() @IsIn(TABLES) table?: Table;
}

export class ConversationsReportQuery extends KpiQuery {
  @ApiPropertyOptional({ enum: DRILL_METRICS, default: 'created' }) @IsOptional() @IsIn(DRILL_METRICS) metric?: DrillMetric;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(200) limit?: number;
}

const wantsCsv = (req: Request, format?: string) => format === 'csv' || (format === undefined && /\btext\/csv\b/.test(String(req.headers.accept ?? '')));

const EXPORT_HEADER = [
  'conversation_id',
  'created_at',
  'channel',
  'inbox',
  'status',
  'priority',
  'subject',
  'contact',
  'assignee',
  'team',
  'first_response_at',
  'resolved_at',
  'first_response_seconds',
  'resolution_seconds',
  'csat_rating',
  'csat_comment',
  'sla_policy',
  'sla_state',
  'sla_breached',
];
const exportRow = (r: ConversationExportRow): CsvValue[] => [
  r.id,
  r.createdAt,
  r.channel,
  r.inboxName,
  r.status,
  r.priority,
  r.subject,
  r.contactName,
  r.assigneeName,
  r.teamName,
  r.firstResponseAt,
  r.resolvedAt,
  r.firstResponseSeconds,
  r.resolutionSeconds,
  r.csatRating,
  r.csatComment,
  r.slaPolicy,
  r.slaState,
  r.slaBreached,
];

/** The coordinators' KPIs over a period: volumes, response and resolution, SLA, CSAT, QA, per channel, team and agent, over time; JSON or CSV. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly insights: ReportInsightsRepository,
  ) {}

  private filter(q: KpiQuery): InsightFilter {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 86400_000);
    if (!(from < to)) throw new DomainError('VALIDATION_FAILED', 'from must be before to', { fields: { from: ['must be before to'] } });
    if (q.tz && !isTimeZone(q.tz)) throw new DomainError('VALIDATION_FAILED', 'tz is not a known time zone', { fields: { tz: ['unknown time zone'] } });
    if (q.interval) {
      const per = { hour: 3600_000, day: 86400_000, week: 7 * 86400_000 }[q.interval];
      if ((to.getTime() - from.getTime()) / per > 2000)
        throw new DomainError('VALIDATION_FAILED', 'too many buckets: choose a longer interval or a shorter period', { fields: { interval: ['over 2000 buckets'] } });
    }
    return { from, to, teamId: q.teamId ?? null, inboxId: q.inboxId ?? null, agentId: q.agentId ?? null, channel: q.channel ?? null };
  }

  @Can('reports.read')
  @Get('kpis')
  async kpis(@CurrentPrincipal() p: Principal, @Query() q: KpiQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const f = this.filter(q);
    const base = await this.reports.kpis({ from: f.from, to: f.to, teamId: f.teamId, inboxId: f.inboxId, targetSeconds: q.firstResponseTargetSeconds ?? 3600 });
    const [csat, sla, byTeam, byAgent, series] = await Promise.all([
      this.insights.csat(f),
      this.insights.slaMet(f),
      this.insights.byTeam(f),
      this.insights.byAgent(f),
      q.interval || q.table === 'series' ? this.insights.series(f, q.interval ?? 'day', q.tz ?? 'UTC') : Promise.resolve(null),
    ]);
    const report = {
      ...base,
      filters: { ...base.filters, agentId: f.agentId, channel: f.channel },
      csat,
      sla,
      byTeam,
      byAgent,
      series: series ? { interval: q.interval ?? 'day', timeZone: q.tz ?? 'UTC', points: series } : null,
    };
    if (!wantsCsv(req, q.format)) return report;
    assertCan(p, 'reports.export');
    const table = q.table ?? 'summary';
    res.set({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="report-${table}-${f.from.toISOString().slice(0, 10)}-${f.to.toISOString().slice(0, 10)}.csv"`,
    });
    const tables: Record<Table, () => string> = {
      summary: () =>
        csvTable(
          ['metric', 'value'],
          [
            ['period_from', f.from],
            ['period_to', f.to],
            ['created', base.conversations.created],
            ['resolved', base.conversations.resolved],
            ['unresolved', base.conversations.unresolved],
            ['answered', base.conversations.answered],
            ['resolution_rate', base.resolutionRate],
            ['first_response_seconds_p50', base.firstResponseSeconds.p50],
            ['first_response_seconds_p90', base.firstResponseSeconds.p90],
            ['resolution_seconds_p50', base.resolutionSeconds.p50],
            ['resolution_seconds_p90', base.resolutionSeconds.p90],
            ['sla_breaches', base.slaBreaches],
            ['sla_met_rate', sla.metRate],
            ['csat_average', csat.average],
            ['csat_responses', csat.responses],
            ['csat_response_rate', csat.responseRate],
            ['csat_satisfied_rate', csat.satisfiedRate],
          ],
        ),
      channels: () =>
        csvTable(
          ['channel', 'created', 'resolved'],
          base.byChannel.map((c: Record<string, CsvValue>) => [c.channel, c.created, c.resolved]),
        ),
      agents: () =>
        csvTable(
          ['agent_id', 'name', 'assigned', 'resolved', 'first_response_seconds_p50', 'resolution_seconds_p50', 'csat_average', 'csat_responses', 'qa_average_percent'],
          byAgent.map((a) => [a.agentId, a.name, a.assigned, a.resolved, a.firstResponseSecondsP50, a.resolutionSecondsP50, a.csatAverage, a.csatResponses, a.qaAveragePercent]),
        ),
      teams: () =>
        csvTable(
          [
            'team_id',
            'name',
            'created',
            'resolved',
            'resolution_rate',
            'first_response_seconds_p50',
            'first_response_seconds_p90',
            'resolution_seconds_p50',
            'csat_average',
            'csat_responses',
            'sla_met_rate',
            'qa_average_percent',
          ],
          byTeam.map((t) => [
            t.teamId,
            t.name,
            t.created,
            t.resolved,
            t.resolutionRate,
            t.firstResponseSecondsP50,
            t.firstResponseSecondsP90,
            t.resolutionSecondsP50,
            t.csatAverage,
            t.csatResponses,
            t.slaMetRate,
            t.qaAveragePercent,
          ]),
        ),
      series: () =>
        csvTable(
          [
            'bucket_start',
            'created',
            'resolved',
            'first_response_seconds_p50',
            'first_response_seconds_p90',
            'resolution_seconds_p50',
            'resolution_seconds_p90',
            'csat_average',
            'csat_responses',
            'sla_met_rate',
          ],
          (series ?? []).map((s) => [
            s.start,
            s.created,
            s.resolved,
            s.firstResponseSecondsP50,
            s.firstResponseSecondsP90,
            s.resolutionSecondsP50,
            s.resolutionSecondsP90,
            s.csatAverage,
            s.csatResponses,
            s.slaMetRate,
          ]),
        ),
    };
    return tables[table]();
  }

  /**
   * The conversations behind a number (drill-down, JSON pages), or all of them as one CSV row each
   * (streamed in pages: memory stays flat however long the period).
   */
  @Can('reports.read')
  @Get('conversations')
  async conversations(@CurrentPrincipal() p: Principal, @Query() q: ConversationsReportQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const f = this.filter(q);
    const metric = q.metric ?? 'created';
    if (!wantsCsv(req, q.format)) {
      const limit = q.limit ?? 50;
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const items = await this.insights.conversations(f, metric, after, limit + 1);
      const more = items.length > limit;
      if (more) items.pop();
      const last = items[items.length - 1];
      return { items, nextCursor: more && last ? encodeCursor(last) : null };
    }
    assertCan(p, 'reports.export');
    res.set({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="conversations-${f.from.toISOString().slice(0, 10)}-${f.to.toISOString().slice(0, 10)}.csv"`,
      'cache-control': 'no-store',
    });
    res.status(200);
    res.write(CSV_BOM + csvRow(EXPORT_HEADER));
    let after: { createdAt: Date; id: string } | null = null;
    for (;;) {
      const page = await this.insights.conversations(f, metric, after, 500);
      if (!page.length) break;
      // Respect back-pressure: wait for the socket to drain before the next page.
      if (!res.write(page.map((r) => csvRow(exportRow(r))).join(''))) await new Promise((r) => res.once('drain', r));
      const last = page[page.length - 1]!;
      after = { createdAt: last.createdAt, id: last.id };
      if (page.length < 500) break;
    }
    res.end();
  }
}

function encodeCursor(r: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([r.createdAt.toISOString(), r.id])).toString('base64url');
}

function decodeCursor(c: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'cursor is not valid', { fields: { cursor: ['invalid'] } });
  }
}
