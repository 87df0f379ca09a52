import { Injectable } from '@nestjs/common';
import { AccessService, ConversationRepository, DomainError, Principal, Transactions, decodeCursor, encodeCursor, isStaff } from '@inbox/core';
import { SearchRepository } from '../search/search.repository';
import { parseSearchQuery, toSnippet } from '../search/search-query.util';
import { ArticleHit, ArticleRow, KbLocale, KbStatus, KnowledgeRepository } from './knowledge.repository';
import { markdownToPlainText, renderMarkdown, slugify } from './markdown.util';

export interface ArticleInput {
  title: string;
  body: string;
  locale: KbLocale;
  slug?: string;
  category?: string | null;
  tags?: string[];
  status?: KbStatus;
  /** Another article this one translates: both join one translation group. */
  translationOf?: string;
}

const notFound = (id: string) => new DomainError('NOT_FOUND', `article ${id} not found`, { id });

/**
 * The knowledge base: staff write (drafts, publishing, translations); agents and bots read
 * published articles; customers read published articles through the help centre and widget.
 */
@Injectable()
export class KnowledgeService {
  constructor(
    private readonly tx: Transactions,
    private readonly articles: KnowledgeRepository,
    private readonly search: SearchRepository,
    private readonly conversations: ConversationRepository,
    private readonly access: AccessService,
  ) {}

  /** Drafts are staff work: agents and bots see published articles only. */
  private publishedOnly(p: Principal | null): boolean {
    return !p || !isStaff(p);
  }

  async create(p: Principal & { type: 'user' }, a: ArticleInput) {
    return this.tx.run(async ({ em }) => {
      let translationGroupId: string | undefined;
      if (a.translationOf) {
        const original = await this.articles.get(em, a.translationOf);
        if (!original) throw new DomainError('VALIDATION_FAILED', `translationOf: article ${a.translationOf} not found`, { fields: { translationOf: ['no such article'] } });
        translationGroupId = original.translationGroupId;
      }
      const id = await this.unique(() =>
        this.articles.insert(em, {
          translationGroupId,
          locale: a.locale,
          slug: a.slug ?? slugify(a.title),
          title: a.title,
          body: a.body,
          category: a.category ?? null,
          tags: a.tags ?? [],
          status: a.status ?? 'draft',
          by: p.id,
        }),
      );
      return this.view(em, (await this.articles.get(em, id))!, p);
    });
  }

  async update(p: Principal & { type: 'user' }, id: string, patch: Partial<Omit<ArticleInput, 'locale' | 'translationOf'>>) {
    return this.tx.run(async ({ em }) => {
      if (!(await this.articles.get(em, id))) throw notFound(id);
      await this.unique(() => this.articles.update(em, id, p.id, patch));
      return this.view(em, (await this.articles.get(em, id))!, p);
    });
  }

  async remove(id: string): Promise<void> {
    if (!(await this.articles.delete(this.tx.manager, id))) throw notFound(id);
  }

  async get(p: Principal, id: string) {
    const a = await this.articles.get(this.tx.manager, id);
    if (!a || (this.publishedOnly(p) && a.status !== 'published')) throw notFound(id);
    return this.view(this.tx.manager, a, p);
  }

  async list(p: Principal | null, f: { locale?: string; status?: KbStatus; category?: string; q?: string; cursor?: string; limit: number }) {
    const status = this.publishedOnly(p) ? 'published' : f.status;
    if (f.q) return this.find(p, f.q, { locale: f.locale, cursor: f.cursor, limit: f.limit });
    const after = f.cursor ? decodeCursor<{ updatedAt: string; id: string }>(f.cursor) : undefined;
    const rows = await this.articles.list(this.tx.manager, { locale: f.locale, status, category: f.category, limit: f.limit + 1, after });
    const more = rows.length > f.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { items: rows.map((r) => this.summary(r)), nextCursor: more && last ? encodeCursor({ updatedAt: last.updatedAt, id: last.id }) : null };
  }

  /** Full-text search over articles, best first; customers (p = null) and agents see published ones. */
  async find(p: Principal | null, q: string, f: { locale?: string; cursor?: string; limit: number }) {
    const tsq = await this.search.tsquery(this.tx.manager, parseSearchQuery(q));
    if (!tsq) return { items: [], nextCursor: null };
    const after = f.cursor ? decodeRankCursor(f.cursor) : undefined;
    const rows = await this.articles.search(this.tx.manager, tsq, { locale: f.locale, publishedOnly: this.publishedOnly(p), limit: f.limit + 1, after });
    const more = rows.length > f.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { items: rows.map((r) => this.hit(r)), nextCursor: more && last ? encodeCursor({ rank: String(last.rank), id: last.id }) : null };
  }

  /** Any of the words (3 letters or more), best first: for a visitor's whole sentence. */
  async findAny(q: string, f: { locale?: string; limit: number }) {
    const words = parseSearchQuery(q).words.filter((w) => w.length >= 3);
    const tsq = await this.search.anyTsquery(this.tx.manager, words);
    if (!tsq) return { items: [] };
    const rows = await this.articles.search(this.tx.manager, tsq, { locale: f.locale, publishedOnly: true, limit: f.limit });
    return { items: rows.map((r) => this.hit(r)) };
  }

  hit(r: ArticleHit) {
    return { ...this.summary(r), snippet: toSnippet(r.headline), rank: r.rank };
  }

  async sentIn(p: Principal, conversationId: string) {
    const conv = await this.conversations.summary(this.tx.manager, conversationId);
    await this.access.assertCanSeeConversation(this.tx.manager, p, conv, conversationId);
    return { items: await this.articles.sentIn(this.tx.manager, conversationId) };
  }

  /** Published article for the public help centre, with its published translations. */
  async publicArticle(locale: string, slug: string) {
    const a = await this.articles.bySlug(this.tx.manager, locale, slug, true);
    if (!a) return null;
    return { ...a, html: renderMarkdown(a.body), translations: await this.articles.translations(this.tx.manager, a.translationGroupId, true) };
  }

  publicCategories(locale: string) {
    return this.articles.categories(this.tx.manager, locale);
  }

  preview(body: string) {
    return { html: renderMarkdown(body) };
  }

  private summary(a: ArticleRow) {
    const { body, ...rest } = a;
    return { ...rest, excerpt: markdownToPlainText(body).slice(0, 200) };
  }

  private async view(em: Transactions['manager'], a: ArticleRow, p: Principal) {
    return {
      ...a,
      html: renderMarkdown(a.body),
      text: markdownToPlainText(a.body),
      translations: await this.articles.translations(em, a.translationGroupId, this.publishedOnly(p)),
    };
  }

  /** A duplicate slug in a locale, or a second translation into one locale, is a 409 naming the field. */
  private async unique<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const e = err as { driverError?: { code?: string; constraint?: string }; code?: string; constraint?: string };
      const code = e.driverError?.code ?? e.code;
      const constraint = e.driverError?.constraint ?? e.constraint;
      if (code === '23505' && constraint === 'kb_articles_locale_slug_key')
        throw new DomainError('CONFLICT', 'another article of this locale has this slug', { fields: { slug: ['already used in this locale'] } });
      if (code === '23505' && constraint === 'kb_articles_translation_key')
        throw new DomainError('CONFLICT', 'this article already has a translation in this locale', { fields: { locale: ['already translated'] } });
      if (code === '23514')
        throw new DomainError('VALIDATION_FAILED', `article rejected by ${constraint}`, { fields: { [constraint?.replace(/^kb_articles_|_check$/g, '') ?? 'body']: ['invalid'] } });
      throw err;
    }
  }
}

export function decodeRankCursor(cursor: string, field = 'cursor'): { rank: number; id: string } {
  const c = decodeCursor<{ rank?: string; id?: string }>(cursor, field);
  const rank = Number(c.rank);
  if (!c.id || c.rank === undefined || !Number.isFinite(rank))
    throw new DomainError('VALIDATION_FAILED', `${field} is not valid`, { fields: { [field]: ['not a cursor returned by this API'] } });
  return { rank, id: c.id };
}
