import { Injectable } from '@nestjs/common';
import { DomainError, Principal, Transactions, decodeCursor, encodeCursor, isStaff } from '@inbox/core';
import type { ConversationSummary } from '@inbox/realtime-contract';
import { KnowledgeService, decodeRankCursor } from '../knowledge/knowledge.service';
import { ParsedSearch, isEmptySearch, parseSearchQuery, toSnippet } from './search-query.util';
import { SearchFilters, SearchRepository, SearchScope } from './search.repository';

export const SEARCH_TYPES = ['all', 'conversations', 'messages', 'contacts', 'articles'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];
type Group = Exclude<SearchType, 'all'>;

export interface SearchRequest extends SearchFilters {
  q: string;
  type: SearchType;
  sort: 'relevance' | 'recent';
  locale?: string;
  cursor?: string;
  limit: number;
}

const invalidCursor = () => new DomainError('VALIDATION_FAILED', 'cursor is not valid', { fields: { cursor: ['not a cursor returned by this API for this type'] } });

/**
 * Search over everything the caller may see: the scope comes from the same rules as the
 * conversation and contact lists (inbox membership for agents; no private notes for bots).
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: SearchRepository,
    private readonly knowledge: KnowledgeService,
  ) {}

  scopeOf(p: Principal): SearchScope {
    const inboxIds = p.type === 'bot' && p.inboxIds !== null ? p.inboxIds : undefined;
    return { visibleToUserId: p.type === 'user' && !isStaff(p) ? p.id : undefined, inboxIds, hideNotes: p.type !== 'user' };
  }

  parse(q: string): ParsedSearch {
    const parsed = parseSearchQuery(q);
    if (isEmptySearch(parsed)) throw new DomainError('VALIDATION_FAILED', 'q has nothing to search for', { fields: { q: ['type at least one letter or digit'] } });
    return parsed;
  }

  async search(p: Principal, r: SearchRequest) {
    const parsed = this.parse(r.q);
    const groups: Group[] = r.type === 'all' ? ['conversations', 'messages', 'contacts', 'articles'] : [r.type];
    if (r.cursor && r.type === 'all') throw new DomainError('VALIDATION_FAILED', 'cursor needs a type', { fields: { cursor: ['use the type of the group the cursor came from'] } });
    const tsq = await this.repo.tsquery(this.tx.manager, parsed);
    const out: Partial<Record<Group, { items: unknown[]; nextCursor: string | null }>> = {};
    for (const g of groups) out[g] = await this.group(p, g, parsed, tsq, r);
    return { q: r.q, type: r.type, ...out };
  }

  /** `GET /conversations?q=`: the conversation list, narrowed to what matches, paged like the list. */
  async conversations(
    p: Principal,
    q: string,
    f: SearchFilters & { cursor?: { lastMessageAt: string; id: string }; limit: number },
  ): Promise<{ items: ConversationSummary[]; nextCursor: string | null }> {
    const parsed = this.parse(q);
    const tsq = await this.repo.tsquery(this.tx.manager, parsed);
    const items = await this.repo.conversations(this.tx.manager, tsq, parsed, this.scopeOf(p), f, { limit: f.limit + 1, after: f.cursor });
    return page(items, f.limit, (last) => ({ lastMessageAt: last.lastMessageAt, id: last.id }));
  }

  private async group(p: Principal, g: Group, parsed: ParsedSearch, tsq: string | null, r: SearchRequest) {
    const scope = this.scopeOf(p);
    const em = this.tx.manager;
    const limit = r.limit;
    if (g === 'messages') {
      const c = r.cursor ? decodeCursor<{ g?: string; createdAt?: string; id?: string; rank?: string; asOfAt?: string }>(r.cursor) : undefined;
      if (c && (c.g !== 'm' || !c.createdAt || !c.id || !c.asOfAt || (r.sort === 'relevance' && !Number.isFinite(Number(c.rank))))) throw invalidCursor();
      const asOf = c?.asOfAt ?? new Date().toISOString();
      const after = c ? { createdAt: c.createdAt!, id: c.id!, rank: c.rank === undefined ? undefined : Number(c.rank) } : undefined;
      const rows = await this.repo.messages(em, tsq, parsed, scope, r, { sort: r.sort, limit: limit + 1, asOf, after });
      const res = page(rows, limit, (last) => ({ g: 'm', createdAt: last.createdAt, id: last.id, asOfAt: asOf, ...(r.sort === 'relevance' ? { rank: String(last.rank) } : {}) }));
      return { ...res, items: res.items.map(({ headline, ...m }) => ({ ...m, snippet: toSnippet(headline) })) };
    }
    if (g === 'conversations') {
      const c = r.cursor ? decodeCursor<{ g?: string; lastMessageAt?: string; id?: string }>(r.cursor) : undefined;
      if (c && (c.g !== 'c' || !c.lastMessageAt || !c.id)) throw invalidCursor();
      const rows = await this.repo.conversations(em, tsq, parsed, scope, r, { limit: limit + 1, after: c ? { lastMessageAt: c.lastMessageAt!, id: c.id! } : undefined });
      return page(rows, limit, (last) => ({ g: 'c', lastMessageAt: last.lastMessageAt, id: last.id }));
    }
    if (g === 'contacts') {
      const c = r.cursor ? decodeCursor<{ g?: string }>(r.cursor) : undefined;
      if (c && c.g !== 'p') throw invalidCursor();
      const rows = await this.repo.contacts(em, tsq, parsed, scope, { limit: limit + 1, after: r.cursor ? decodeRankCursor(r.cursor) : undefined });
      return page(rows, limit, (last) => ({ g: 'p', rank: String(last.rank), id: last.id }));
    }
    const c = r.cursor ? decodeCursor<{ g?: string }>(r.cursor) : undefined;
    if (c && c.g !== 'a') throw invalidCursor();
    if (!tsq) return { items: [], nextCursor: null };
    const res = await this.knowledge.find(p, r.q, { locale: r.locale, limit, cursor: r.cursor });
    return { items: res.items, nextCursor: res.nextCursor ? encodeCursor({ ...decodeCursor<object>(res.nextCursor), g: 'a' }) : null };
  }
}

function page<T>(rows: T[], limit: number, cursorOf: (last: T) => object): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor(cursorOf(last)) : null };
}
