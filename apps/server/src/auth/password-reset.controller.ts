import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { Public } from '../http/auth.decorators';
import { PasswordResetService } from './password-reset.service';

export class PasswordResetRequestDto {
  @ApiProperty({ example: 'ana@example.com' }) @IsEmail() @MaxLength(200) email: string;
}

export class PasswordResetConfirmDto {
  @ApiProperty({ description: 'the token from the link /reset-password/:token' }) @IsString() @MinLength(1) @MaxLength(200) token: string;
  /** The same rule as a password change (POST /auth/password). */
  @ApiProperty() @IsString() @MinLength(8) @MaxLength(200) password: string;
}

@ApiTags('auth')
@Controller('auth')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  /** What the login page may offer before anyone is signed in. */
  @Public()
  @Get('options')
  options(): { passwordReset: boolean } {
    return { passwordReset: this.resets.enabled };
  }

  /** Always 202 and the same body, whether an account has that address or not; the mail (if any) leaves from a job. */
  @Public()
  @Post('password-reset')
  @HttpCode(202)
  async request(@Body() body: PasswordResetRequestDto, @Req() req: Request): Promise<{ accepted: true }> {
    await this.resets.request(body.email, req.ip ?? 'unknown');
    return { accepted: true };
  }

  @Public()
  @Post('password-reset/confirm')
  @HttpCode(204)
  async confirm(@Body() body: PasswordResetConfirmDto): Promise<void> {
    await this.resets.confirm(body.token, body.password);
  }
}
