import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CHANNEL_KINDS, CONVERSATION_COLUMNS, CONVERSATION_FROM, ConversationStatus, ConversationSummaryRow, toConversationSummary } from '@inbox/core';
import type { ConversationSummary } from '@inbox/realtime-contract';
import type { ParsedSearch } from './search-query.util';

/** What the caller may see, from the one access policy (AccessService): the same rules as lists. */
export interface SearchScope {
  /** Agents: only conversations (and their messages and contacts) of inboxes they belong to. */
  visibleToUserId?: string;
  /** Scoped bots: only conversations (and their messages and contacts) of these inboxes. */
  inboxIds?: string[];
  /** Private notes are for people: bots never find them. */
  hideNotes: boolean;
}

export interface SearchFilters {
  inboxId?: string;
  teamId?: string;
  status?: ConversationStatus[];
  assigneeId?: string | null;
  channel?: string;
  label?: string;
  from?: string;
  to?: string;
}

/** The newest this many matches of a query are ranked by relevance; `sort=recent` pages through all. */
export const RANK_WINDOW = 1000;

export interface MessageHit {
  id: string;
  conversationId: string;
  inboxId: string;
  kind: string;
  direction: string;
  authorType: string;
  createdAt: string;
  rank: number;
  headline: string | null;
  conversation: { id: string; subject: string | null; status: string; channel: string; contactId: string; contactName: string | null };
}

export interface ContactHit {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  createdAt: string;
  rank: number;
  exact: boolean;
}

/** A small SQL builder: every value is a bind parameter. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

const OPTIONS = `'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'`;
/** The highlight markers (search-query.util.ts HIT_START/HIT_END) cannot come from the text itself. */
const clean = (col: string) => `replace(replace(${col}, chr(2), ''), chr(3), '')`;

@Injectable()
export class SearchRepository {
  /** The tsquery of the parsed words, phrases and addresses (null when only stop words were typed). */
  async tsquery(em: EntityManager, q: ParsedSearch): Promise<string | null> {
    if (!q.words.length && !q.phrases.length && !q.emails.length) return null;
    const [row] = await em.query<Array<{ q: string | null }>>(`SELECT inbox_search_tsquery($1::text[], $2::text[], $3::text[])::text AS q`, [q.words, q.phrases, q.emails]);
    return row.q || null;
  }

  /** Any one of the words (each as in `tsquery`): for suggestions from a whole sentence. */
  async anyTsquery(em: EntityManager, words: string[]): Promise<string | null> {
    if (!words.length) return null;
    const [row] = await em.query<Array<{ q: string | null }>>(
      `SELECT string_agg('(' || t.q::text || ')', ' | ') AS q FROM (SELECT inbox_search_tsquery(ARRAY[w], '{}', '{}') AS q FROM unnest($1::text[]) w) t WHERE t.q IS NOT NULL`,
      [words],
    );
    return row?.q || null;
  }

  /**
   * Messages matching `tsq`, newest first (`recent`) or by relevance among the newest
   * RANK_WINDOW matches up to `asOf` (so later pages see the same window).
   */
  async messages(
    em: EntityManager,
    tsq: string | null,
    q: ParsedSearch,
    scope: SearchScope,
    f: SearchFilters,
    page: { sort: 'relevance' | 'recent'; limit: number; asOf: string; after?: { rank?: number; createdAt: string; id: string } },
  ): Promise<MessageHit[]> {
    if (!tsq && !q.uuids.length && !q.token) return [];
    const p = new Params();
    const tq = tsq ? `${p.add(tsq)}::tsquery` : `NULL::tsquery`;
    const where: string[] = [];
    const match: string[] = [];
    if (tsq) match.push(`m.search_vector @@ ${tq}`);
    // Exact identifiers: a pasted message id or a channel's external id. The inbox ids as an array
    // (computed once) make the external id an index condition on (inbox_id, external_id), so the
    // planner can OR it with the full-text index; with `IN (SELECT ...)` it could not, and a rare
    // word walked every message newest first (p95 433 ms at 1,000,000 messages, 13 ms now).
    if (q.uuids.length) match.push(`m.id = ANY(${p.add(q.uuids)}::uuid[])`);
    if (q.token) match.push(`(m.inbox_id = ANY(ARRAY(SELECT id FROM inboxes)) AND m.external_id = ${p.add(q.token)})`);
    where.push(`(${match.join(' OR ')})`, `m.kind <> 'activity'`, `m.created_at <= ${p.add(page.asOf)}::timestamptz`);
    this.scopeMessages(p, where, scope);
    const needsConversation = this.filterMessages(p, where, f);
    const from = `messages m${needsConversation ? ' JOIN conversations c ON c.id = m.conversation_id' : ''}`;
    const rank = `coalesce((ts_rank(m.search_vector, ${tq}) + CASE WHEN ${q.uuids.length ? `m.id = ANY(${p.add(q.uuids)}::uuid[])` : 'false'} OR ${q.token ? `m.external_id = ${p.add(q.token)}` : 'false'} THEN 1 ELSE 0 END)::real, 0)::real`;
    // The newest matches first, then their rank: ranked after the LIMIT, ts_rank reads the window's
    // vectors only. Ranked in the same SELECT as the ORDER BY, it ran on every match the index gave
    // before the sort kept the newest (16,504 for two common words at 1,000,000 messages: 12 ms of
    // the statement's 70; PostgreSQL postpones only costlier or volatile expressions past a sort).
    const newest = (limit: string) => `SELECT m.id, m.created_at, ${rank} AS rank FROM (
                 SELECT m.id, m.created_at, m.search_vector, m.external_id FROM ${from} WHERE ${where.join(' AND ')}
                 ORDER BY m.created_at DESC, m.id DESC LIMIT ${limit}) m`;
    let inner: string;
    if (page.sort === 'recent') {
      if (page.after) where.push(`(m.created_at, m.id) < (${p.add(page.after.createdAt)}::timestamptz, ${p.add(page.after.id)}::uuid)`);
      inner = newest(p.add(page.limit));
    } else {
      const keyset = page.after
        ? `WHERE (w.rank, w.created_at, w.id) < (${p.add(page.after.rank ?? 0)}::real, ${p.add(page.after.createdAt)}::timestamptz, ${p.add(page.after.id)}::uuid)`
        : '';
      inner = `SELECT w.* FROM (${newest(String(RANK_WINDOW))}) w ${keyset} ORDER BY w.rank DESC, w.created_at DESC, w.id DESC LIMIT ${p.add(page.limit)}`;
    }
    const rows = await em.query<
      Array<{
        rank: number;
        id: string;
        conversation_id: string;
        inbox_id: string;
        kind: string;
        direction: string;
        author_type: string;
        created_at: Date;
        subject: string | null;
        status: string;
        channel: string;
        contact_id: string;
        contact_name: string | null;
        headline: string | null;
      }>
    >(
      `SELECT hit.rank, m.id, m.conversation_id, m.inbox_id, m.kind, m.direction, m.author_type, m.created_at,
              c.subject, c.status, c.channel, c.contact_id, ct.name AS contact_name,
              CASE WHEN ${tq} IS NULL THEN left(m.text, 200) ELSE ts_headline(inbox_search_config(c.language, coalesce(m.metadata #>> '{email,subject}', '') || ' ' || left(m.text, 2000)), ${clean('left(m.text, 20000)')}, ${tq}, ${OPTIONS}) END AS headline
       FROM (${inner}) hit
       JOIN messages m ON m.id = hit.id JOIN conversations c ON c.id = m.conversation_id JOIN contacts ct ON ct.id = c.contact_id
       ORDER BY ${page.sort === 'recent' ? 'hit.created_at DESC, hit.id DESC' : 'hit.rank DESC, hit.created_at DESC, hit.id DESC'}`,
      p.values,
    );
    return rows.map((r) => ({
      id: r.id,
      conversationId: r.conversation_id,
      inboxId: r.inbox_id,
      kind: r.kind,
      direction: r.direction,
      authorType: r.author_type,
      createdAt: new Date(r.created_at).toISOString(),
      rank: Number(r.rank),
      headline: r.headline,
      conversation: { id: r.conversation_id, subject: r.subject, status: r.status, channel: r.channel, contactId: r.contact_id, contactName: r.contact_name },
    }));
  }

  /**
   * Conversations whose subject, messages, contact or id match, newest activity first (the
   * order of the conversation list, so `GET /conversations?q=` pages the same way).
   */
  async conversations(
    em: EntityManager,
    tsq: string | null,
    q: ParsedSearch,
    scope: SearchScope,
    f: SearchFilters,
    page: { limit: number; after?: { lastMessageAt: string; id: string } },
  ): Promise<ConversationSummary[]> {
    const p = new Params();
    const arms: string[] = [];
    const contacts = this.contactCandidates(p, tsq, q);
    if (tsq) {
      const tq = `${p.add(tsq)}::tsquery`;
      arms.push(`SELECT id FROM conversations WHERE search_vector @@ ${tq}`);
      arms.push(`SELECT conversation_id FROM messages WHERE search_vector @@ ${tq}${scope.hideNotes ? ` AND kind <> 'note'` : ''}`);
    }
    if (q.uuids.length) {
      const ids = `${p.add(q.uuids)}::uuid[]`;
      arms.push(`SELECT id FROM conversations WHERE id = ANY(${ids})`);
      arms.push(`SELECT conversation_id FROM messages WHERE id = ANY(${ids})${scope.hideNotes ? ` AND kind <> 'note'` : ''}`);
    }
    if (q.token) arms.push(`SELECT conversation_id FROM messages WHERE external_id = ${p.add(q.token)} AND inbox_id IN (SELECT id FROM inboxes)`);
    if (contacts) arms.push(`SELECT id FROM conversations WHERE contact_id IN (SELECT id FROM (${contacts}) cc)`);
    if (!arms.length) return [];
    const where: string[] = [];
    if (scope.visibleToUserId) where.push(`c.inbox_id IN (SELECT im.inbox_id FROM inbox_members im WHERE im.user_id = ${p.add(scope.visibleToUserId)})`);
    if (scope.inboxIds) where.push(`c.inbox_id = ANY(${p.add(scope.inboxIds)}::uuid[])`);
    this.filterConversations(p, where, f, 'c.last_message_at');
    if (page.after) where.push(`(c.last_message_at, c.id) < (${p.add(page.after.lastMessageAt)}::timestamptz, ${p.add(page.after.id)}::uuid)`);
    const rows = await em.query<ConversationSummaryRow[]>(
      `SELECT ${CONVERSATION_COLUMNS} FROM ${CONVERSATION_FROM}
       WHERE c.id IN (${arms.join(' UNION ')}) ${where.length ? 'AND ' + where.join(' AND ') : ''}
       ORDER BY c.last_message_at DESC, c.id DESC LIMIT ${p.add(page.limit)}`,
      p.values,
    );
    return rows.map(toConversationSummary);
  }

  /** Contacts by name, address or phone (words and prefixes), exact email, phone, id or channel address. */
  async contacts(em: EntityManager, tsq: string | null, q: ParsedSearch, scope: SearchScope, page: { limit: number; after?: { rank: number; id: string } }): Promise<ContactHit[]> {
    const p = new Params();
    const candidates = this.contactCandidates(p, tsq, q);
    if (!candidates) return [];
    const where = ['ct.merged_into_id IS NULL'];
    if (scope.visibleToUserId) {
      where.push(
        `EXISTS (SELECT 1 FROM conversations cv JOIN inbox_members im ON im.inbox_id = cv.inbox_id AND im.user_id = ${p.add(scope.visibleToUserId)} WHERE cv.contact_id = ct.id)`,
      );
    }
    if (scope.inboxIds) where.push(`EXISTS (SELECT 1 FROM conversations cv WHERE cv.contact_id = ct.id AND cv.inbox_id = ANY(${p.add(scope.inboxIds)}::uuid[]))`);
    const rank = `(coalesce(ts_rank(ct.search_vector, ${tsq ? `${p.add(tsq)}::tsquery` : 'NULL::tsquery'}), 0) + CASE WHEN cand.exact THEN 1 ELSE 0 END)::real`;
    const keyset = page.after ? `WHERE (r.rank, r.id) < (${p.add(page.after.rank)}::real, ${p.add(page.after.id)}::uuid)` : '';
    const rows = await em.query<Array<{ id: string; name: string | null; email: string | null; phone: string | null; created_at: Date; exact: boolean; rank: number }>>(
      `SELECT r.* FROM (
         SELECT ct.id, ct.name, ct.email, ct.phone, ct.created_at, cand.exact, ${rank} AS rank
         FROM (SELECT id, bool_or(exact) AS exact FROM (${candidates}) x GROUP BY id) cand JOIN contacts ct ON ct.id = cand.id
         WHERE ${where.join(' AND ')}
       ) r ${keyset} ORDER BY r.rank DESC, r.id DESC LIMIT ${p.add(page.limit)}`,
      p.values,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      phone: r.phone,
      createdAt: new Date(r.created_at).toISOString(),
      rank: Number(r.rank),
      exact: r.exact,
    }));
  }

  /** `SELECT id, exact` of contacts matching, or null when the query has nothing for contacts. */
  private contactCandidates(p: Params, tsq: string | null, q: ParsedSearch): string | null {
    const arms: string[] = [];
    if (tsq) arms.push(`SELECT id, false AS exact FROM contacts WHERE search_vector @@ ${p.add(tsq)}::tsquery`);
    if (q.emails.length) {
      const emails = `${p.add(q.emails)}::text[]`;
      arms.push(`SELECT id, true AS exact FROM contacts WHERE lower(email) = ANY(${emails})`);
      arms.push(`SELECT contact_id AS id, true AS exact FROM contact_identities WHERE channel = 'email' AND lower(address) = ANY(${emails})`);
    }
    if (q.uuids.length) arms.push(`SELECT id, true AS exact FROM contacts WHERE id = ANY(${p.add(q.uuids)}::uuid[])`);
    if (q.phoneDigits) {
      const digits = p.add(q.phoneDigits);
      arms.push(`SELECT id, true AS exact FROM contacts WHERE phone IS NOT NULL AND regexp_replace(phone, '[^0-9]', '', 'g') = ${digits}`);
      arms.push(
        `SELECT contact_id AS id, true AS exact FROM contact_identities WHERE channel = ANY(${p.add([...CHANNEL_KINDS])}::text[]) AND address = ANY(ARRAY[${digits}, '+' || ${digits}])`,
      );
    }
    if (q.token)
      arms.push(`SELECT contact_id AS id, true AS exact FROM contact_identities WHERE channel = ANY(${p.add([...CHANNEL_KINDS])}::text[]) AND address = ${p.add(q.token)}`);
    return arms.length ? arms.join(' UNION ALL ') : null;
  }

  private scopeMessages(p: Params, where: string[], scope: SearchScope): void {
    if (scope.visibleToUserId) where.push(`m.inbox_id IN (SELECT im.inbox_id FROM inbox_members im WHERE im.user_id = ${p.add(scope.visibleToUserId)})`);
    if (scope.inboxIds) where.push(`m.inbox_id = ANY(${p.add(scope.inboxIds)}::uuid[])`);
    if (scope.hideNotes) where.push(`m.kind <> 'note'`);
  }

  /** Filters on the message itself, then on its conversation; true when the conversation must be joined. */
  private filterMessages(p: Params, where: string[], f: SearchFilters): boolean {
    if (f.inboxId) where.push(`m.inbox_id = ${p.add(f.inboxId)}`);
    if (f.from) where.push(`m.created_at >= ${p.add(f.from)}::timestamptz`);
    if (f.to) where.push(`m.created_at < ${p.add(f.to)}::timestamptz`);
    const before = where.length;
    this.filterConversations(p, where, { ...f, inboxId: undefined, from: undefined, to: undefined }, null);
    return where.length > before;
  }

  private filterConversations(p: Params, where: string[], f: SearchFilters, timeColumn: string | null): void {
    if (f.inboxId) where.push(`c.inbox_id = ${p.add(f.inboxId)}`);
    if (f.teamId) where.push(`c.team_id = ${p.add(f.teamId)}`);
    if (f.status?.length) where.push(`c.status = ANY(${p.add(f.status)}::text[])`);
    if (f.assigneeId === null) where.push(`c.assignee_id IS NULL`);
    else if (f.assigneeId) where.push(`c.assignee_id = ${p.add(f.assigneeId)}`);
    if (f.channel) where.push(`c.channel = ${p.add(f.channel)}`);
    if (f.label) where.push(`c.labels @> ARRAY[${p.add(f.label)}]::text[]`);
    if (timeColumn && f.from) where.push(`${timeColumn} >= ${p.add(f.from)}::timestamptz`);
    if (timeColumn && f.to) where.push(`${timeColumn} < ${p.add(f.to)}::timestamptz`);
  }
}
