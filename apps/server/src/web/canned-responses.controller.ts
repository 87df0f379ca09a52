import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { DomainError, Principal, Transactions, isUniqueViolation } from '@inbox/core';
import { CurrentPrincipal, Roles } from '../http/auth.decorators';
import { CannedResponseRepository } from './canned-response.repository';

const SHORTCUT = /^[A-Za-z0-9_-]{1,40}$/;
const SHORTCUT_MESSAGE = 'letters, digits, - and _ only (1-40), typed after / in the composer';

export class CreateCannedResponseDto {
  @ApiProperty({ example: 'thanks' }) @IsString() @Matches(SHORTCUT, { message: SHORTCUT_MESSAGE }) shortcut: string;
  @ApiProperty() @IsString() @Length(1, 120) title: string;
  @ApiProperty() @IsString() @Length(1, 10_000) text: string;
}

export class UpdateCannedResponseDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(SHORTCUT, { message: SHORTCUT_MESSAGE }) shortcut?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 120) title?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 10_000) text?: string;
}

/** Shared canned responses: every agent reads them, admins and coordinators curate them. */
@ApiTags('canned responses')
@ApiBearerAuth()
@Controller('canned-responses')
export class CannedResponsesController {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: CannedResponseRepository,
  ) {}

  @Get()
  list() {
    return this.repo.list(this.tx.manager);
  }

  @Roles('admin', 'coordinator')
  @Post()
  async create(@CurrentPrincipal() p: Principal, @Body() dto: CreateCannedResponseDto) {
    const created = await this.repo.create(this.tx.manager, { ...dto, createdBy: p.type === 'user' ? p.id : null });
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
