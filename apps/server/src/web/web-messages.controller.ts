import { Body, Controller, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBase64,
  IsBoolean,
  IsUUID,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ConversationService, MAX_MENTIONS_PER_NOTE, MIME_TYPE, Principal } from '@inbox/core';
import { CurrentPrincipal } from '../http/auth.decorators';

export class UploadedAttachmentDto {
  @ApiProperty() @IsString() @Length(1, 255) fileName: string;
  @ApiProperty() @IsString() @Length(3, 200) @Matches(MIME_TYPE, { message: 'contentType must be a MIME type like image/png' }) contentType: string;
  @ApiProperty({ description: 'file content, base64 (the whole body is limited by MAX_BODY_BYTES)' }) @IsBase64() dataBase64: string;
}

export class PostMessageWithAttachmentsDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(100_000) text: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() private?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsObject() metadata?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'private notes only: ids of the teammates the note names', type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_MENTIONS_PER_NOTE)
  @IsUUID(undefined, { each: true })
  mentions?: string[];
  @ApiProperty({ type: [UploadedAttachmentDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => UploadedAttachmentDto)
  attachments: UploadedAttachmentDto[];
}

/**
 * The web composer's reply with files: JSON with base64 parts, so it goes through the same
 * body limit, validation and ConversationService.postMessage as any other reply.
 */
@ApiTags('conversations')
@ApiBearerAuth()
@Controller()
export class WebMessagesController {
  constructor(private readonly conversations: ConversationService) {}

  @Post('conversations/:id/messages/with-attachments')
  post(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: PostMessageWithAttachmentsDto) {
    return this.conversations.postMessage(p, id, {
      text: dto.text,
      private: dto.private,
      metadata: dto.metadata,
      mentions: dto.mentions,
      attachments: dto.attachments.map((a) => ({ fileName: a.fileName, contentType: a.contentType, data: Buffer.from(a.dataBase64, 'base64') })),
    });
  }
}
