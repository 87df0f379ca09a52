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
}
