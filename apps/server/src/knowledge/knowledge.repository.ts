import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '@inbox/core';

export const KB_LOCALES = ['en', 'fr', 'it', 'es', 'uk'] as const;
export type KbLocale = (typeof KB_LOCALES)[number];
export const KB_STATUSES = ['draft', 'published'] as const;
export type KbStatus = (typeof KB_STATUSES)[number];

export interface ArticleRow {
  id: string;
  translationGroupId: string;
  locale: KbLocale;
  slug: string;
  title: string;
  body: string;
  category: string | null;
  tags: string[];
  status: KbStatus;
  publishedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ArticleHit extends ArticleRow {
  rank: number;
  headline: string | null;
}

export interface NewArticle {
  translationGroupId?: string;
  locale: KbLocale;
  slug: string;
  title: string;
  body: string;
  category: string | null;
  tags: string[];
  status: KbStatus;
  by: string;
}

const COLUMNS = `a.id, a.translation_group_id, a.locale, a.slug, a.title, a.body, a.category, a.tags, a.status, a.published_at, a.created_at, a.updated_at`;
/** A row of COLUMNS, as Postgres returns it. */
interface ArticleTableRow {
  id: string;
  translation_group_id: string;
  locale: KbLocale;
  slug: string;
  title: string;
  body: string;
  category: string | null;
  tags: string[] | null;
  status: KbStatus;
  published_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
const OPTIONS = `'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=1'`;

@Injectable()
export class KnowledgeRepository {
  async insert(em: EntityManager, a: NewArticle): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      em,
      `INSERT INTO kb_articles (translation_group_id, locale, slug, title, body, category, tags, status, published_at, created_by, updated_by)
       VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8 = 'published' THEN now() END, $9, $9) RETURNING id`,
      [a.translationGroupId ?? null, a.locale, a.slug, a.title, a.body, a.category, a.tags, a.status, a.by],
    );
    return row.id;
  }

  async update(em: EntityManager, id: string, by: string, f: Partial<Pick<ArticleRow, 'slug' | 'title' | 'body' | 'category' | 'tags' | 'status'>>): Promise<void> {
    const columns: Record<string, string> = { slug: 'slug', title: 'title', body: 'body', category: 'category', tags: 'tags', status: 'status' };
    const sets: string[] = [];
    const params: unknown[] = [id, by];
    for (const [k, v] of Object.entries(f)) {
      if (v === undefined) continue;
      params.push(v);
      sets.push(`${columns[k]} = $${params.length}`);
    }
    if (f.status) {
      params.push(f.status);
      sets.push(`published_at = CASE WHEN $${params.length} = 'published' THEN coalesce(published_at, now()) END`);
    }
    await em.query(`UPDATE kb_articles SET ${[...sets, 'updated_by = $2', 'updated_at = now()'].join(', ')} WHERE id = $1`, params);
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(em, `DELETE FROM kb_articles WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  async get(em: EntityManager, id: string): Promise<ArticleRow | null> {
    const [row] = await queryRows<ArticleTableRow>(em, `SELECT ${COLUMNS} FROM kb_articles a WHERE a.id = $1`, [id]);
    return row ? toArticle(row) : null;
  }

  async bySlug(em: EntityManager, locale: string, slug: string, publishedOnly: boolean): Promise<ArticleRow | null> {
    const [row] = await queryRows<ArticleTableRow>(
      em,
      `SELECT ${COLUMNS} FROM kb_articles a WHERE a.locale = $1 AND a.slug = $2 ${publishedOnly ? `AND a.status = 'published'` : ''}`,
      [locale, slug],
    );
    return row ? toArticle(row) : null;
  }

  async translations(em: EntityManager, groupId: string, publishedOnly: boolean): Promise<Array<Pick<ArticleRow, 'id' | 'locale' | 'slug' | 'title' | 'status'>>> {
    const rows = await queryRows<Pick<ArticleRow, 'id' | 'locale' | 'slug' | 'title' | 'status'>>(
      em,
      `SELECT id, locale, slug, title, status FROM kb_articles WHERE translation_group_id = $1 ${publishedOnly ? `AND status = 'published'` : ''} ORDER BY locale`,
      [groupId],
    );
    return rows;
  }

  async list(em: EntityManager, f: { locale?: string; status?: KbStatus; category?: string; limit: number; after?: { updatedAt: string; id: string } }): Promise<ArticleRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => (params.push(v), `$${params.length}`);
    if (f.locale) where.push(`a.locale = ${p(f.locale)}`);
    if (f.status) where.push(`a.status = ${p(f.status)}`);
    if (f.category) where.push(`a.category = ${p(f.category)}`);
    if (f.after) where.push(`(a.updated_at, a.id) < (${p(f.after.updatedAt)}::timestamptz, ${p(f.after.id)}::uuid)`);
    const rows = await queryRows<ArticleTableRow>(
      em,
      `SELECT ${COLUMNS} FROM kb_articles a ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY a.updated_at DESC, a.id DESC LIMIT ${p(f.limit)}`,
      params,
    );
    return rows.map(toArticle);
  }

  /** Published categories of a locale with their article counts, for the help centre. */
  async categories(em: EntityManager, locale: string): Promise<Array<{ category: string | null; articles: Array<Pick<ArticleRow, 'slug' | 'title'>> }>> {
    const rows = await queryRows<{ category: string | null; articles: Array<Pick<ArticleRow, 'slug' | 'title'>> }>(
      em,
      `SELECT category, json_agg(json_build_object('slug', slug, 'title', title) ORDER BY title) AS articles
       FROM kb_articles WHERE locale = $1 AND status = 'published' GROUP BY category ORDER BY category NULLS LAST`,
      [locale],
    );
    return rows;
  }

  /** Articles matching a tsquery, best first; keyset on (rank, id). */
  async search(em: EntityManager, tsq: string, f: { locale?: string; publishedOnly: boolean; limit: number; after?: { rank: number; id: string } }): Promise<ArticleHit[]> {
    const params: unknown[] = [tsq];
    const p = (v: unknown) => (params.push(v), `$${params.length}`);
    const where = [`a.search_vector @@ $1::tsquery`];
    if (f.locale) where.push(`a.locale = ${p(f.locale)}`);
    if (f.publishedOnly) where.push(`a.status = 'published'`);
    const keyset = f.after ? `WHERE (r.rank, r.id) < (${p(f.after.rank)}::real, ${p(f.after.id)}::uuid)` : '';
    const rows = await queryRows<ArticleTableRow & { rank: number; headline: string | null }>(
      em,
      `SELECT r.*, ts_headline(inbox_locale_config(r.locale), replace(replace(r.body, chr(2), ''), chr(3), ''), $1::tsquery, ${OPTIONS}) AS headline FROM (
         SELECT ${COLUMNS}, ts_rank(a.search_vector, $1::tsquery) AS rank FROM kb_articles a WHERE ${where.join(' AND ')}
       ) r ${keyset} ORDER BY r.rank DESC, r.id DESC LIMIT ${p(f.limit)}`,
      params,
    );
    return rows.map((r) => ({ ...toArticle(r), rank: Number(r.rank), headline: r.headline }));
  }

  /** Articles an agent sent in a conversation (replies carry `metadata.kbArticleIds`). */
  async sentIn(em: EntityManager, conversationId: string): Promise<Array<Pick<ArticleRow, 'id' | 'locale' | 'slug' | 'title'> & { sentAt: string; messageId: string }>> {
    const rows = await queryRows<Pick<ArticleTableRow, 'id' | 'locale' | 'slug' | 'title'> & { sent_at: Date; message_id: string }>(
      em,
      `SELECT a.id, a.locale, a.slug, a.title, m.created_at AS sent_at, m.id AS message_id
       FROM messages m CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(m.metadata->'kbArticleIds') = 'array' THEN m.metadata->'kbArticleIds' ELSE '[]' END) ref(id)
       JOIN kb_articles a ON a.id::text = ref.id
       WHERE m.conversation_id = $1 AND m.kind = 'message' AND m.direction = 'outbound'
       ORDER BY m.created_at, a.title`,
      [conversationId],
    );
    return rows.map((r) => ({ id: r.id, locale: r.locale, slug: r.slug, title: r.title, sentAt: new Date(r.sent_at).toISOString(), messageId: r.message_id }));
  }
}

function toArticle(r: ArticleTableRow): ArticleRow {
  return {
    id: r.id,
    translationGroupId: r.translation_group_id,
    locale: r.locale,
    slug: r.slug,
    title: r.title,
    body: r.body,
    category: r.category,
    tags: r.tags ?? [],
    status: r.status,
    publishedAt: r.published_at ? new Date(r.published_at).toISOString() : null,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}
