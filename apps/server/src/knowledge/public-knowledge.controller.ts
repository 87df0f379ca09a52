import { Controller, Get, Header, Inject, Param, Query } from '@nestjs/common';
import { ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { APP_CONFIG, AppConfig, Public } from '@inbox/core';
import { KB_LOCALES } from './knowledge.repository';
import { KnowledgeService } from './knowledge.service';

export class PublicArticlesQuery {
  @ApiPropertyOptional({ enum: KB_LOCALES }) @IsOptional() @IsIn(KB_LOCALES) locale?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) q?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
  @ApiPropertyOptional({ default: 10 }) @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(50) limit?: number;
}

export class SuggestQuery {
  @ApiPropertyOptional({ description: "the visitor's draft message" }) @IsString() @MinLength(1) @MaxLength(500) q: string;
  @ApiPropertyOptional({ enum: KB_LOCALES }) @IsOptional() @IsIn(KB_LOCALES) locale?: string;
}

/**
 * What customers read: published articles only, no login, cacheable. The widget route sits
 * under /widget/:websiteToken/ so the web chat CORS middleware checks the inbox's allowed
 * origins and per-IP limits before this runs.
 */
@ApiTags('knowledge base (public)')
@Public()
@Controller()
export class PublicKnowledgeController {
  constructor(
    private readonly kb: KnowledgeService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('kb/public/articles')
  @Header('cache-control', 'public, max-age=60')
  async list(@Query() q: PublicArticlesQuery) {
    const limit = q.limit ?? 10;
    if (q.q) return this.withLinks(await this.kb.find(null, q.q, { locale: q.locale, cursor: q.cursor, limit }));
    return this.withLinks(await this.kb.list(null, { locale: q.locale, status: 'published', cursor: q.cursor, limit }));
  }

  /** Up to three published articles matching what a visitor is typing, before they send it. */
  @Get('widget/:websiteToken/articles')
  @Header('cache-control', 'private, max-age=30')
  async suggest(@Param('websiteToken') _websiteToken: string, @Query() q: SuggestQuery) {
    const res = await this.kb.find(null, q.q, { locale: q.locale, limit: 3 });
    // Visitors write sentences: when every word must match nothing does, so fall back to any word.
    const items = res.items.length || !q.q.includes(' ') ? res.items : (await this.kb.findAny(q.q, { locale: q.locale, limit: 3 })).items;
    return {
      items: items.map((a) => ({
        id: a.id,
        title: a.title,
        locale: a.locale,
        excerpt: a.excerpt,
        path: `/help/${a.locale}/${a.slug}`,
        url: `${this.config.publicUrl}/help/${a.locale}/${a.slug}`,
      })),
    };
  }

  private withLinks<T extends { items: Array<{ locale: string; slug: string }> }>(res: T) {
    return { ...res, items: res.items.map((a) => ({ ...a, path: `/help/${a.locale}/${a.slug}`, url: `${this.config.publicUrl}/help/${a.locale}/${a.slug}` })) };
  }
}
