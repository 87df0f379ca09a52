import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { DomainError, Principal } from '@inbox/core';
import { Can, CurrentPrincipal } from '../http/auth.decorators';
import { KB_LOCALES, KB_STATUSES, KbLocale, KbStatus } from './knowledge.repository';
import { KnowledgeService } from './knowledge.service';

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export class CreateArticleDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(300) title: string;
  @ApiProperty({ description: 'Markdown' }) @IsString() @MaxLength(200_000) body: string;
  @ApiProperty({ enum: KB_LOCALES }) @IsIn(KB_LOCALES) locale: KbLocale;
  @ApiPropertyOptional({ description: 'from the title when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  @Matches(SLUG, { message: 'slug must be lower-case letters, digits and single dashes' })
  slug?: string;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(100) category?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsString({ each: true }) @MaxLength(60, { each: true }) @ArrayMaxSize(30) tags?: string[];
  @ApiPropertyOptional({ enum: KB_STATUSES, default: 'draft' }) @IsOptional() @IsIn(KB_STATUSES) status?: KbStatus;
  @ApiPropertyOptional({ description: 'id of the article this one translates' }) @IsOptional() @IsUUID() translationOf?: string;
}

export class UpdateArticleDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(300) title?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200_000) body?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(120) @Matches(SLUG, { message: 'slug must be lower-case letters, digits and single dashes' }) slug?: string;
  @ApiPropertyOptional() @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(100) category?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsString({ each: true }) @MaxLength(60, { each: true }) @ArrayMaxSize(30) tags?: string[];
  @ApiPropertyOptional({ enum: KB_STATUSES }) @IsOptional() @IsIn(KB_STATUSES) status?: KbStatus;
}

export class PreviewDto {
  @ApiProperty() @IsString() @MaxLength(200_000) body: string;
}

export class ListArticlesQuery {
  @ApiPropertyOptional({ enum: KB_LOCALES }) @IsOptional() @IsIn(KB_LOCALES) locale?: string;
  @ApiPropertyOptional({ enum: KB_STATUSES, description: 'staff only; others always get published' }) @IsOptional() @IsIn(KB_STATUSES) status?: KbStatus;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) category?: string;
  @ApiPropertyOptional({ description: 'full-text search, best first' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(200) q?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @ApiPropertyOptional({ default: 20 }) @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(100) limit?: number;
}

const userOf = (p: Principal) => {
  if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'articles are written by people');
  return p;
};

@ApiTags('knowledge base')
@ApiBearerAuth()
@Controller('kb')
export class KnowledgeController {
  constructor(private readonly kb: KnowledgeService) {}

  @Can('kb.read')
  @Get('articles')
  list(@CurrentPrincipal() p: Principal, @Query() q: ListArticlesQuery) {
    return this.kb.list(p, { locale: q.locale, status: q.status, category: q.category, q: q.q, cursor: q.cursor, limit: q.limit ?? 20 });
  }

  @Can('kb.read')
  @Get('articles/:id')
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.kb.get(p, id);
  }

  @Can('kb.write')
  @Post('articles')
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateArticleDto) {
    return this.kb.create(userOf(p), dto);
  }

  @Can('kb.write')
  @Patch('articles/:id')
  update(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateArticleDto) {
    return this.kb.update(userOf(p), id, dto);
  }

  @Can('kb.write')
  @Delete('articles/:id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string) {
    await this.kb.remove(id);
  }

  /** The editor's preview: the same renderer and sanitiser as the help centre. */
  @Can('kb.write')
  @Post('preview')
  @HttpCode(200)
  preview(@Body() dto: PreviewDto) {
    return this.kb.preview(dto.body);
  }

  /** Articles agents sent in this conversation (replies carrying `metadata.kbArticleIds`). */
  @Can('kb.read')
  @Get('conversations/:id/articles')
  sentIn(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.kb.sentIn(p, id);
  }
}
