import { Injectable } from '@nestjs/common';
import type { MentionSummary, NoteMention } from '@inbox/realtime-contract';
import { Principal, isStaff } from '../auth/principal';
import { assertCan } from '../auth/permissions';
import { Transactions, TxContext } from '../db/transactions';
import { DomainError } from '../errors/domain-error';
import { MentionRepository } from './mention.repository';

export const MAX_MENTIONS_PER_NOTE = 20;

/**
 * @mentions in private notes. A note names people as plain `@Name` text (readable in search,
 * exports and webhooks) and carries their ids beside it; the ids are what count. Only people
 * who can see the conversation's inbox can be named: a mention must never be the way someone
 * learns of a conversation they may not open.
 */
@Injectable()
export class MentionService {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: MentionRepository,
  ) {}

  /**
   * Checks the ids a note names (400 naming `mentions[i]` for an unknown, inactive or out-of-inbox
   * user) and returns who they are, in order, without duplicates and without the author.
   */
  async resolve(tx: Pick<TxContext, 'em'>, p: Principal, inboxId: string, userIds: string[]): Promise<NoteMention[]> {
    if (userIds.length === 0) return [];
    assertCan(p, 'mention.create');
    const rows = new Map((await this.repo.candidates(tx.em, [...new Set(userIds)], inboxId)).map((r) => [r.id, r]));
    const fields: Record<string, string[]> = {};
    const out: NoteMention[] = [];
    userIds.forEach((id, i) => {
      const row = rows.get(id);
      if (!row || !row.active) fields[`mentions[${i}]`] = ['no active user with this id'];
      else if (!(row.member || row.role === 'admin' || row.role === 'coordinator')) fields[`mentions[${i}]`] = ["this user cannot see this conversation's inbox"];
      else if (id !== (p.type === 'user' ? p.id : null) && !out.some((m) => m.userId === id)) out.push({ userId: id, name: row.name });
    });
    const first = Object.entries(fields)[0];
    if (first) throw new DomainError('VALIDATION_FAILED', `${first[0]}: ${first[1][0]}`, { fields });
    return out;
  }

  /** Who the composer offers after `@`: the people `resolve` accepts for this inbox, the author left out. */
  async mentionable(p: Principal, inboxId: string): Promise<Array<{ id: string; name: string; role: string }>> {
    assertCan(p, 'mention.create');
    const me = p.type === 'user' ? p.id : null;
    return (await this.repo.mentionable(this.tx.manager, inboxId)).filter((u) => u.id !== me);
  }

  /** Records a note's mentions in the note's transaction and tells each mentioned user (only them). */
  async record(tx: TxContext, note: { messageId: string; conversationId: string; authorId: string }, mentions: NoteMention[]): Promise<void> {
    const ids = await this.repo.insert(tx.em, { ...note, userIds: mentions.map((m) => m.userId) });
    for (const summary of await this.repo.summaries(tx.em, ids)) {
      tx.emit({ type: 'mention.created', conversationId: summary.conversationId, payload: summary });
    }
  }

  async list(
    p: Principal,
    opts: { unread: boolean; before?: { createdAt: string; id: string }; limit: number },
  ): Promise<{ items: MentionSummary[]; nextCursor: { createdAt: string; id: string } | null; unread: number }> {
    const userId = this.userOf(p);
    const membersOnly = !isStaff(p);
    const items = await this.repo.list(this.tx.manager, { userId, membersOnly, unread: opts.unread, before: opts.before, limit: opts.limit + 1 });
    const more = items.length > opts.limit;
    if (more) items.pop();
    const last = items[items.length - 1];
    const unread = await this.repo.unreadCount(this.tx.manager, userId, membersOnly);
    return { items, nextCursor: more && last ? { createdAt: last.createdAt, id: last.id } : null, unread };
  }

  /** Marks read by ids and/or by conversation; other users' mentions are never touched. Idempotent. */
  async markRead(p: Principal, by: { ids?: string[]; conversationId?: string }): Promise<{ read: string[] }> {
    const userId = this.userOf(p);
    if (!by.ids?.length && !by.conversationId)
      throw new DomainError('VALIDATION_FAILED', 'ids or conversationId is required', { fields: { ids: ['ids or conversationId is required'] } });
    return this.tx.run(async (tx) => {
      const at = new Date();
      const read = await this.repo.markRead(tx.em, userId, by, at);
      if (read.length) tx.emit({ type: 'mention.read', conversationId: by.conversationId ?? null, payload: { userId, ids: read, readAt: at.toISOString() } });
      return { read };
    });
  }

  private userOf(p: Principal): string {
    if (p.type !== 'user') throw new DomainError('FORBIDDEN', 'mentions belong to users');
    return p.id;
  }
}
