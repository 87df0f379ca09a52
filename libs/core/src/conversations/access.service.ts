import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal, isStaff } from '../auth/principal';
import { DomainError, notFound } from '../errors/domain-error';
import { InboxRepository } from '../repositories/inbox.repository';

/**
 * Who may see what, the same for every door (REST, sockets, routing, search): admins and
 * coordinators everything; agents the conversations of the inboxes they belong to, and the
 * contacts who wrote to those inboxes; bots the inboxes their token is scoped to (every inbox
 * for an unscoped bot), and the contacts of those inboxes' conversations.
 */
@Injectable()
export class AccessService {
  constructor(private readonly inboxes: InboxRepository) {}

  /**
   * The list filter that matches `canSee*` for one principal, for queries that cannot ask row by
   * row (conversation and contact lists, search): an agent's memberships, a scoped bot's inboxes.
   */
  listScope(p: Principal): { visibleToUserId?: string; inboxIds?: string[] } {
    if (p.type === 'user') return isStaff(p) ? {} : { visibleToUserId: p.id };
    if (p.type === 'bot') return p.inboxIds === null ? {} : { inboxIds: p.inboxIds };
    return { inboxIds: [p.inboxId] };
  }

  /** Whether the principal acts in this inbox at all (a scoped bot only in its own). */
  canUseInbox(p: Principal, inboxId: string): boolean {
    if (p.type === 'bot') return p.inboxIds === null || p.inboxIds.includes(inboxId);
    if (p.type === 'inbox') return p.inboxId === inboxId;
    return true;
  }

  assertCanUseInbox(p: Principal, inboxId: string): void {
    if (!this.canUseInbox(p, inboxId)) throw new DomainError('FORBIDDEN', `this token is not allowed in inbox ${inboxId}`, { reason: 'INBOX_OUT_OF_SCOPE' });
  }

  /**
   * The user whose inbox membership decides what `p` sees (an agent), or null when membership
   * does not matter; a statement that reads a conversation can read that membership with it
   * (ConversationRepository.summaryForViewer) and hand it to `canSeeConversation`.
   */
  membershipSubject(p: Principal): string | null {
    return p.type === 'user' && !isStaff(p) ? p.id : null;
  }

  /** `viewerMember`: the membership of `membershipSubject(p)` in the conversation's inbox, when already read. */
  async canSeeConversation(
    em: EntityManager,
    p: Principal,
    conv: { id: string; inboxId: string; assigneeId: string | null },
    viewerMember: boolean | null = null,
  ): Promise<boolean> {
    if (p.type === 'bot') return this.canUseInbox(p, conv.inboxId);
    if (isStaff(p)) return true;
    if (p.type === 'inbox') return p.inboxId === conv.inboxId;
    // Membership only: an assignment never widens what an agent sees (routing and coordinators
    // only assign members, and leaving an inbox hands its conversations back to the queue).
    return viewerMember ?? this.inboxes.isMember(em, conv.inboxId, p.id);
  }

  async canSeeContact(em: EntityManager, p: Principal, contactId: string): Promise<boolean> {
    if (isStaff(p) || (p.type === 'bot' && p.inboxIds === null)) return true;
    if (p.type === 'bot') {
      const [hit] = await em.query<Array<{ one: number }>>(`SELECT 1 AS one FROM conversations c WHERE c.contact_id = $1 AND c.inbox_id = ANY($2::uuid[]) LIMIT 1`, [
        contactId,
        p.inboxIds,
      ]);
      return Boolean(hit);
    }
    if (p.type !== 'user') return false;
    const [row] = await em.query<Array<{ one: number }>>(
      `SELECT 1 AS one FROM conversations c JOIN inbox_members m ON m.inbox_id = c.inbox_id AND m.user_id = $2 WHERE c.contact_id = $1 LIMIT 1`,
      [contactId, p.id],
    );
    return Boolean(row);
  }

  /** A contact the caller may not see answers 404, as if it did not exist: its existence is not theirs to learn. */
  async assertCanSeeContact(em: EntityManager, p: Principal, contactId: string): Promise<void> {
    if (!(await this.canSeeContact(em, p, contactId))) throw notFound('contact', contactId);
  }

  async assertCanSeeConversation(
    em: EntityManager,
    p: Principal,
    conv: { id: string; inboxId: string; assigneeId: string | null } | null,
    id: string,
    viewerMember: boolean | null = null,
  ): Promise<void> {
    if (!conv) throw notFound('conversation', id);
    if (!(await this.canSeeConversation(em, p, conv, viewerMember))) throw new DomainError('FORBIDDEN', `you are not a member of the inbox of conversation ${id}`);
  }
}
