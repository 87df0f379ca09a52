import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, IsBoolean, IsEmail, IsIn, IsObject, IsOptional, IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';
import { AccessChanges, DomainError, Transactions, USER_ROLES, UserRepository, UserRole, notFound, CHANNEL_KINDS } from '@inbox/core';
import { Roles } from '../http/auth.decorators';
import { AuthService } from '../auth/auth.service';

export class CreateUserDto {
  @ApiProperty() @IsEmail() email: string;
  @ApiProperty() @IsString() @Length(1, 120) name: string;
  @ApiProperty() @IsString() @MinLength(8) @MaxLength(200) password: string;
  @ApiProperty({ enum: USER_ROLES }) @IsIn(USER_ROLES) role: UserRole;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString({ each: true })
  @Matches(/^[a-z]{2}(-[A-Z]{2})?$/, { each: true, message: 'each language must be an ISO code like fr or pt-BR' })
  @ArrayMaxSize(20)
  languages?: string[];
  @ApiPropertyOptional() @IsOptional() @IsString({ each: true }) @MaxLength(60, { each: true }) @ArrayMaxSize(50) skills?: string[];
  @ApiPropertyOptional({ example: { webchat: 3, email: 10 } }) @IsOptional() @IsObject() capacity?: Record<string, number>;
  @ApiPropertyOptional() @IsOptional() @IsIn(['en', 'fr', 'it', 'es', 'uk']) locale?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 120) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(8) @MaxLength(200) password?: string;
  @ApiPropertyOptional({ enum: USER_ROLES }) @IsOptional() @IsIn(USER_ROLES) role?: UserRole;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString({ each: true })
  @Matches(/^[a-z]{2}(-[A-Z]{2})?$/, { each: true, message: 'each language must be an ISO code like fr or pt-BR' })
  languages?: string[];
  @ApiPropertyOptional() @IsOptional() @IsString({ each: true }) skills?: string[];
  @ApiPropertyOptional() @IsOptional() @IsObject() capacity?: Record<string, number>;
  @ApiPropertyOptional() @IsOptional() @IsIn(['en', 'fr', 'it', 'es', 'uk']) locale?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}

export function validateCapacity(capacity: Record<string, unknown> | undefined): Record<string, number> | undefined {
  if (capacity === undefined) return undefined;
  const fields: Record<string, string[]> = {};
  for (const [kind, n] of Object.entries(capacity)) {
    if (!(CHANNEL_KINDS as readonly string[]).includes(kind)) fields[`capacity.${kind}`] = [`unknown channel kind; use one of ${CHANNEL_KINDS.join(', ')}`];
    else if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 1000) fields[`capacity.${kind}`] = ['must be an integer from 0 to 1000'];
  }
  if (Object.keys(fields).length) throw new DomainError('VALIDATION_FAILED', Object.entries(fields)[0].join(': '), { fields });
  return capacity as Record<string, number>;
}

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(
    private readonly tx: Transactions,
    private readonly users: UserRepository,
    private readonly auth: AuthService,
    private readonly access: AccessChanges,
  ) {}

  @Roles('admin')
  @Post()
  async create(@Body() dto: CreateUserDto) {
    const user = await this.users.create(this.tx.manager, {
      email: dto.email.toLowerCase(),
      name: dto.name,
      role: dto.role,
      passwordHash: await this.auth.hashPassword(dto.password),
      languages: dto.languages,
      skills: dto.skills,
      capacity: validateCapacity(dto.capacity),
      locale: dto.locale,
    });
    if (!user) throw new DomainError('EMAIL_TAKEN', `a user with email ${dto.email} already exists`, { fields: { email: ['already taken'] } });
    return user;
  }

  @Roles('admin', 'coordinator')
  @Get()
  list() {
    return this.users.list(this.tx.manager);
  }

  @Roles('admin', 'coordinator')
  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return (await this.users.get(this.tx.manager, id)) ?? Promise.reject(notFound('user', id));
  }

  /**
   * A password reset or a deactivation ends the user's sessions at once (every replica's
   * sockets close); a role change makes open sockets re-authenticate into the new rooms.
   */
  @Roles('admin')
  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateUserDto) {
    const { password, capacity, ...rest } = dto;
    const passwordHash = password ? await this.auth.hashPassword(password) : undefined;
    const { user, before } = await this.tx.run(async ({ em }) => {
      const before = await this.users.sessionState(em, id);
      if (!before) throw notFound('user', id);
      const user = await this.users.update(em, id, { ...rest, capacity: validateCapacity(capacity), passwordHash });
      if (passwordHash || rest.active === false) await this.users.endSessions(em, id);
      return { user: user!, before };
    });
    if (passwordHash || (rest.active === false && before.active)) this.access.publish({ subject: 'user', id, effect: 'ended' });
    else if (rest.role && rest.role !== before.role) this.access.publish({ subject: 'user', id, effect: 'changed' });
    return user;
  }

  /** Sign a user out everywhere (a lost laptop): their tokens stop working, open sockets close. */
  @Roles('admin')
  @Post(':id/sessions/end')
  @HttpCode(204)
  async endSessions(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.auth.endSessions(id);
  }
}
