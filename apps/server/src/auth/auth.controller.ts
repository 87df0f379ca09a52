import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { Principal, Transactions, UserRepository } from '@inbox/core';
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
  async login(@Body() body: LoginDto) {
    this.limiter.check(body.email);
    try {
      const result = await this.auth.login(body.email, body.password);
      this.limiter.reset(body.email);
      return result;
    } catch (err) {
      this.limiter.fail(body.email);
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
