import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, Matches, ValidateIf } from 'class-validator';
import { DomainError, Principal, Transactions, isForeignKeyViolation, isStaff, isUniqueViolation, notFound } from '@inbox/core';
import { CurrentPrincipal, Roles } from '../http/auth.decorators';
import { CannedResponseRepository } from './canned-response.repository';

const SHORTCUT = /^[A-Za-z0-9_-]{1,40}$/;
const SHORTCUT_MESSAGE = 'letters, digits, - and _ only (1-40), typed after / in the composer';

export class CreateCannedResponseDto {
  @ApiProperty({ example: 'thanks' }) @IsString() @Matches(SHORTCUT, { message: SHORTCUT_MESSAGE }) shortcut: string;
  @ApiProperty() @IsString() @Length(1, 120) title: string;
  @ApiProperty({ description: 'may use {{contact.name}}, {{contact.email}}, {{agent.name}}, {{conversation.id}}, {{conversation.subject}}: the composer fills them in' })
  @IsString()
  @Length(1, 10_000)
  text: string;
  @ApiPropertyOptional({ description: "only this team's members see it; absent or null: everyone" }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsUUID() teamId?:
    string | null;
}

export class UpdateCannedResponseDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(SHORTCUT, { message: SHORTCUT_MESSAGE }) shortcut?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 120) title?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 10_000) text?: string;
  @ApiPropertyOptional({ description: 'null: shared with everyone' }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsUUID() teamId?: string | null;
}

/** Canned responses: shared ones and those of one's teams for agents; admins and coordinators see and curate all. */
@ApiTags('canned responses')
@ApiBearerAuth()
@Controller('canned-responses')
export class CannedResponsesController {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: CannedResponseRepository,
  ) {}

  @Get()
  list(@CurrentPrincipal() p: Principal) {
    return this.repo.list(this.tx.manager, p.type === 'user' && !isStaff(p) ? p.id : undefined);
  }

  @Roles('admin', 'coordinator')
  @Post()
  async create(@CurrentPrincipal() p: Principal, @Body() dto: CreateCannedResponseDto) {
    let created;
    try {
      created = await this.repo.create(this.tx.manager, {
        shortcut: dto.shortcut,
        title: dto.title,
        text: dto.text,
        teamId: dto.teamId ?? null,
        createdBy: p.type === 'user' ? p.id : null,
      });
    } catch (err) {
      if (isForeignKeyViolation(err)) throw notFound('team', String(dto.teamId));
      throw err;
    }
    if (!created) throw new DomainError('NAME_TAKEN', `the shortcut /${dto.shortcut} is already used`, { fields: { shortcut: ['already used'] } });
    return created;
  }

  @Roles('admin', 'coordinator')
  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateCannedResponseDto) {
    try {
      return (await this.repo.update(this.tx.manager, id, dto)) ?? Promise.reject(new DomainError('NOT_FOUND', `canned response ${id} not found`));
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('NAME_TAKEN', `the shortcut /${dto.shortcut} is already used`, { fields: { shortcut: ['already used'] } });
      if (isForeignKeyViolation(err)) throw notFound('team', String(dto.teamId));
      throw err;
    }
  }

  @Roles('admin', 'coordinator')
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string) {
    if (!(await this.repo.delete(this.tx.manager, id))) throw new DomainError('NOT_FOUND', `canned response ${id} not found`);
  }
}
