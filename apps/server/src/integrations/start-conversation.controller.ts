import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsObject, IsOptional, IsString, IsUUID, Length, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { Principal } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';
import { StartConversationService } from './start-conversation.service';

export class StartContactDto {
  @ApiPropertyOptional({ description: 'an existing contact' }) @IsOptional() @IsUUID() id?: string;
  @ApiPropertyOptional({ description: "the address on the inbox's channel (an email address for email)", example: 'ada@example.com' })
  @IsOptional()
  @IsString()
  @Length(1, 320)
  identifier?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) phone?: string;
}

export class StartConversationDto {
  @ApiProperty() @IsUUID() inboxId: string;
  @ApiProperty({ type: StartContactDto }) @IsObject() @ValidateNested() @Type(() => StartContactDto) contact: StartContactDto;
  @ApiPropertyOptional({ description: 'required for email', example: 'Your order 42' }) @IsOptional() @IsString() @MaxLength(500) subject?: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(100_000) text: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500_000) html?: string;
}

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations')
export class StartConversationController {
  constructor(private readonly starter: StartConversationService) {}

  @ApiOperation({ summary: 'Start an outbound conversation (an agent emails a customer first); it is assigned to the starting agent' })
  @Can('conversation.create')
  @Post()
  start(@CurrentPrincipal() p: Principal, @Body() dto: StartConversationDto) {
    return this.starter.start(p, dto);
  }
}
