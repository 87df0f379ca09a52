import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsObject, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { CHANNEL_KINDS, DomainError, Transactions } from '@inbox/core';
import type { SlaAppliesTo } from '@inbox/routing';
import { Can } from '../http/auth.decorators';
import { SlaPolicyFields, SlaRepository } from './sla.repository';

const MAX_SECONDS = 365 * 86400;

export class SlaPolicyDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 120) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(MAX_SECONDS) firstResponseSeconds?: number;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsInt() @Min(1) @Max(MAX_SECONDS) nextResponseSeconds?: number | null;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsInt() @Min(1) @Max(MAX_SECONDS) resolutionSeconds?: number | null;
  @ApiPropertyOptional({ description: "count only the conversation's team business hours" }) @IsOptional() @IsBoolean() businessHours?: boolean;
  @ApiPropertyOptional({ default: 80 }) @IsOptional() @IsInt() @Min(1) @Max(99) warnAtPercent?: number;
  @ApiPropertyOptional({ example: { teamIds: [], inboxIds: [], channels: ['email'], priorities: [2, 3], labels: ['vip'] } }) @IsOptional() @IsObject() appliesTo?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ description: 'the first matching policy by order applies' }) @IsOptional() @IsInt() @Min(0) @Max(1_000_000) order?: number;
}

const policyNotFound = (id: string) => new DomainError('NOT_FOUND', `SLA policy ${id} not found`, { id });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `appliesTo` checked field by field, so the admin screen can show each error where it belongs. */
export function validateAppliesTo(a: Record<string, unknown> | undefined): SlaAppliesTo {
  if (!a) return {};
  const fields: Record<string, string[]> = {};
  const list = (key: string, ok: (v: unknown) => boolean, message: string) => {
    const v = a[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || !v.every(ok)) fields[`appliesTo.${key}`] = [message];
  };
  list('teamIds', (v) => typeof v === 'string' && UUID.test(v), 'must be a list of team ids');
  list('inboxIds', (v) => typeof v === 'string' && UUID.test(v), 'must be a list of inbox ids');
  list('channels', (v) => (CHANNEL_KINDS as readonly unknown[]).includes(v), `must be a list of channels (${CHANNEL_KINDS.join(', ')})`);
  list('priorities', (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 3, 'must be a list of priorities 0-3');
  list('labels', (v) => typeof v === 'string' && v.length > 0 && v.length <= 60, 'must be a list of labels');
  for (const key of Object.keys(a)) if (!['teamIds', 'inboxIds', 'channels', 'priorities', 'labels'].includes(key)) fields[`appliesTo.${key}`] = ['unknown scope'];
  if (Object.keys(fields).length) throw new DomainError('VALIDATION_FAILED', Object.entries(fields)[0].join(': '), { fields });
  return a as SlaAppliesTo;
}

/** SLA policies (admins): the first matching policy by order applies to a conversation. */
@ApiTags('sla')
@ApiBearerAuth()
@Controller('sla-policies')
export class SlaPoliciesController {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: SlaRepository,
  ) {}

  @Can('sla.manage')
  @Get()
  list() {
    return this.repo.policies(this.tx.manager);
  }

  @Can('sla.manage')
  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return (await this.repo.policy(this.tx.manager, id)) ?? Promise.reject(policyNotFound(id));
  }

  @Can('sla.manage')
  @Post()
  async create(@Body() dto: SlaPolicyDto) {
    const missing: Record<string, string[]> = {};
    if (!dto.name) missing.name = ['required'];
    if (!dto.firstResponseSeconds) missing.firstResponseSeconds = ['required'];
    if (Object.keys(missing).length)
      throw new DomainError(
        'VALIDATION_FAILED',
        Object.keys(missing)
          .map((k) => `${k} is required`)
          .join('; '),
        { fields: missing },
      );
    const created = await this.repo.createPolicy(this.tx.manager, this.fields(dto, null));
    if (!created) throw new DomainError('NAME_TAKEN', `an SLA policy named ${dto.name} already exists`, { fields: { name: ['already taken'] } });
    return created;
  }

  @Can('sla.manage')
  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: SlaPolicyDto) {
    const current = await this.repo.policy(this.tx.manager, id);
    if (!current) throw policyNotFound(id);
    try {
      return (await this.repo.updatePolicy(this.tx.manager, id, this.fields(dto, current)))!;
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new DomainError('NAME_TAKEN', `an SLA policy named ${dto.name} already exists`, { fields: { name: ['already taken'] } });
      throw err;
    }
  }

  /** Conversations under the policy keep their clocks until their next re-evaluation. */
  @Can('sla.manage')
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string) {
    if (!(await this.repo.deletePolicy(this.tx.manager, id))) throw policyNotFound(id);
  }

  private fields(dto: SlaPolicyDto, current: SlaPolicyFields | null): SlaPolicyFields {
    const pick = <K extends keyof SlaPolicyFields>(k: K, fallback: SlaPolicyFields[K]): SlaPolicyFields[K] =>
      (dto as Record<string, unknown>)[k] !== undefined ? ((dto as Record<string, unknown>)[k] as SlaPolicyFields[K]) : current ? current[k] : fallback;
    return {
      name: pick('name', ''),
      firstResponseSeconds: pick('firstResponseSeconds', 0),
      nextResponseSeconds: pick('nextResponseSeconds', null),
      resolutionSeconds: pick('resolutionSeconds', null),
      businessHours: pick('businessHours', false),
      warnAtPercent: pick('warnAtPercent', 80),
      appliesTo: dto.appliesTo !== undefined ? validateAppliesTo(dto.appliesTo) : current ? current.appliesTo : {},
      order: pick('order', 0),
    };
  }
}
