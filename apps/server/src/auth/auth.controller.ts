import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { DomainError, Principal, Transactions, UserRepository } from '@inbox/core';
import { AuthService } from './auth.service';
import { AllowBots, CurrentPrincipal, Public } from '../http/auth.decorators';
import { LoginRateLimiter } from './login-rate-limiter';

export class LoginDto {
  @ApiProperty({ example: 'admin@example.com' }) @IsEmail() email: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) password: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) currentPassword: string;
  @ApiProperty() @IsString() @MinLength(8) @MaxLength(200) newPassword: string;
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly limiter: LoginRateLimiter,
    private readonly tx: Transactions,
    private readonly users: UserRepository,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Req() req: Request) {
    const ip = req.ip ?? 'unknown';
    await this.limiter.check(body.email, ip);
    try {
      const result = await this.auth.login(body.email, body.password);
      await this.limiter.succeed(body.email);
      return result;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'INVALID_CREDENTIALS') await this.limiter.fail(body.email, ip);
      throw err;
    }
  }

  @ApiBearerAuth()
  @AllowBots()
  @Get('me')
  async me(@CurrentPrincipal() p: Principal) {
    if (p.type === 'user') return { type: 'user', user: await this.users.get(this.tx.manager, p.id) };
    return p;
  }

  /** Changing one's own password needs the current one; every other session ends. */
  @ApiBearerAuth()
  @Post('password')
  @HttpCode(200)
  async changePassword(@CurrentPrincipal() p: Principal, @Body() body: ChangePasswordDto) {
    if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'only people have passwords');
    return this.auth.changePassword(p.id, body.currentPassword, body.newPassword);
  }

  /** Sign out everywhere: every token of the caller stops working, open sockets close. */
  @ApiBearerAuth()
  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@CurrentPrincipal() p: Principal): Promise<void> {
    if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'bots end their sessions by rotating their token');
    await this.auth.endSessions(p.id);
  }

  /** Sign out of every other session (a lost phone): this one continues with the fresh token returned. */
  @ApiBearerAuth()
  @Post('logout-others')
  @HttpCode(200)
  async logoutOthers(@CurrentPrincipal() p: Principal): Promise<{ accessToken: string }> {
    if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'bots end their sessions by rotating their token');
    return this.auth.endOtherSessions(p.id);
  }
}
