import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import {
  AccessChanges,
  DomainError,
  isForeignKeyViolation,
  isUniqueViolation,
  ROUTING_STRATEGIES,
  RoutingStrategyName,
  TeamRepository,
  Transactions,
  UserRepository,
  notFound,
} from '@inbox/core';
import { Roles } from '../http/auth.decorators';
import { validateCapacity } from './users.controller';
import { AssignmentService } from '../routing/assignment.service';
import type { BusinessHoursView } from '@inbox/realtime-contract';

export class TeamSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) description?: string;
  @ApiPropertyOptional({ enum: ROUTING_STRATEGIES }) @IsOptional() @IsIn(ROUTING_STRATEGIES) strategy?: RoutingStrategyName;
  @ApiPropertyOptional({ description: 'null = auto-assign; seconds = offer-and-accept countdown' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(5)
  @Max(3600)
  offerTimeoutSeconds?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(90 * 86400) stickyWindowSeconds?: number;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsUUID() overflowTeamId?: string | null;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsInt() @Min(1) overflowAfterSeconds?: number | null;
  @ApiPropertyOptional({ example: { timezone: 'Europe/Paris', days: { 1: [{ open: '09:00', close: '17:00' }] } } })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsObject()
  businessHours?: Record<string, unknown> | null;
  @ApiPropertyOptional({ example: { webchat: 3, email: 10 } }) @IsOptional() @IsObject() defaultCapacity?: Record<string, number>;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(2000) awayMessage?: string | null;
  @ApiPropertyOptional({ description: 'a department (technical support, billing, sales…): offered in the escalation picker' }) @IsOptional() @IsBoolean() isDepartment?: boolean;
  @ApiPropertyOptional({ description: 'null = off; an assigned agent who has not replied to a waiting customer within this many seconds loses the conversation to the next agent' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(30 * 86400)
  reassignIfNoReplySeconds?: number | null;
}

export class CreateTeamDto extends TeamSettingsDto {
  @ApiProperty() @IsString() @Length(1, 80) name: string;
}

export class UpdateTeamDto extends TeamSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 80) name?: string;
}

export class MemberDto {
  @ApiProperty() @IsUUID() userId: string;
}

/** The schedule as the team view types it, once every field is checked (400 naming the field otherwise). */
function validBusinessHours(bh: Record<string, unknown> | null | undefined): BusinessHoursView | null | undefined {
  if (!bh) return bh;
  const fields: Record<string, string[]> = {};
  try {
    new Intl.DateTimeFormat('en', { timeZone: String(bh.timezone) });
  } catch {
    fields['businessHours.timezone'] = ['must be an IANA time zone such as Europe/Paris'];
  }
  const days = (bh.days ?? {}) as Record<string, unknown>;
  for (const [day, ranges] of Object.entries(days)) {
    const ok = /^[0-6]$/.test(day) && Array.isArray(ranges) && ranges.every((r) => /^([01]\d|2[0-3]):[0-5]\d$/.test(r?.open) && /^([01]\d|2[0-4]):[0-5]\d$/.test(r?.close));
    if (!ok) fields[`businessHours.days.${day}`] = ['day must be 0 (Sunday) to 6, each range {open:"HH:MM", close:"HH:MM"}'];
  }
  if (Object.keys(fields).length) throw new DomainError('VALIDATION_FAILED', Object.entries(fields)[0].join(': '), { fields });
  return bh as unknown as BusinessHoursView;
}

@ApiTags('teams')
@ApiBearerAuth()
@Controller('teams')
export class TeamsController {
  constructor(
    private readonly tx: Transactions,
    private readonly teams: TeamRepository,
    private readonly users: UserRepository,
    private readonly routing: AssignmentService,
    private readonly access: AccessChanges,
  ) {}

  @Get()
  list() {
    return this.teams.list(this.tx.manager);
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return (await this.teams.get(this.tx.manager, id)) ?? Promise.reject(notFound('team', id));
  }

  @Roles('admin')
  @Post()
  async create(@Body() dto: CreateTeamDto) {
    const team = await this.teams.create(this.tx.manager, { ...dto, businessHours: validBusinessHours(dto.businessHours), defaultCapacity: validateCapacity(dto.defaultCapacity) });
    if (!team) throw new DomainError('NAME_TAKEN', `a team named ${dto.name} already exists`, { fields: { name: ['already taken'] } });
    return team;
  }

  @Roles('admin')
  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateTeamDto) {
    const businessHours = validBusinessHours(dto.businessHours);
    if (dto.overflowTeamId === id) throw new DomainError('VALIDATION_FAILED', 'a team cannot overflow to itself', { fields: { overflowTeamId: ['cannot be the team itself'] } });
    if (!(await this.teams.get(this.tx.manager, id))) throw notFound('team', id);
    try {
      await this.teams.update(this.tx.manager, id, { ...dto, businessHours, defaultCapacity: validateCapacity(dto.defaultCapacity) });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('NAME_TAKEN', `a team named ${dto.name} already exists`);
      if (isForeignKeyViolation(err)) throw notFound('team', String(dto.overflowTeamId));
      throw err;
    }
    return this.teams.get(this.tx.manager, id);
  }

  @Roles('admin')
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string) {
    if (!(await this.teams.delete(this.tx.manager, id))) throw notFound('team', id);
  }

  @Roles('admin', 'coordinator')
  @Post(':id/members')
  async addMember(@Param('id', ParseUUIDPipe) id: string, @Body() dto: MemberDto) {
    if (!(await this.teams.get(this.tx.manager, id))) throw notFound('team', id);
    if (!(await this.users.get(this.tx.manager, dto.userId))) throw notFound('user', dto.userId);
    if (!(await this.teams.addMember(this.tx.manager, id, dto.userId))) throw new DomainError('ALREADY_MEMBER', 'this user is already a member of the team');
    this.access.publish({ subject: 'user', id: dto.userId, effect: 'changed' });
    return this.teams.get(this.tx.manager, id);
  }

  @Roles('admin', 'coordinator')
  @Delete(':id/members/:userId')
  @HttpCode(204)
  async removeMember(@Param('id', ParseUUIDPipe) id: string, @Param('userId', ParseUUIDPipe) userId: string) {
    if (!(await this.teams.removeMember(this.tx.manager, id, userId))) throw notFound('user', userId);
    this.access.publish({ subject: 'user', id: userId, effect: 'changed' });
    // Their open conversations of this team go back to its queue.
    await this.routing.requeueAgent(userId, 'removed_from_team', { teamId: id });
  }
}
