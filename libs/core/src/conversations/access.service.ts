import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal, isStaff } from '../auth/principal';
import { DomainError, notFound } from '../errors/domain-error';
import { InboxRepository } from '../repositories/inbox.repository';

/**
 * Who may see what, the same for every door (REST, sockets, routing, search): admins and
 * coordinators everything; agents the conversations of the inboxes they belong to, and the
 * contacts who wrote to those inboxes; bots everything they are given a token for.
 */
@Injectable()
export class AccessService {
  constructor(private readonly inboxes: InboxRepository) {}

  async canSeeConversation(em: EntityManager, p: Principal, conv: { id: string; inboxId: string; assigneeId: string | null }): Promise<boolean> {
    if (p.type === 'bot' || isStaff(p)) return true;
    if (p.type === 'inbox') return p.inboxId === conv.inboxId;
    // Membership only: an assignment never widens what an agent sees (routing and coordinators
    // only assign members, and leaving an inbox hands its conversations back to the queue).
    return this.inboxes.isMember(em, conv.inboxId, p.id);
  }

  async canSeeContact(em: EntityManager, p: Principal, contactId: string): Promise<boolean> {
    if (p.type === 'bot' || isStaff(p)) return true;
    if (p.type !== 'user') return false;
    const [row] = await em.query(
      `SELECT 1 FROM conversations c JOIN inbox_members m ON m.inbox_id = c.inbox_id AND m.user_id = $2 WHERE c.contact_id = $1 LIMIT 1`,
      [contactId, p.id],
    );
    return Boolean(row);
  }

  /** A contact the caller may not see answers 404, as if it did not exist: its existence is not theirs to learn. */
  async assertCanSeeContact(em: EntityManager, p: Principal, contactId: string): Promise<void> {
    if (!(await this.canSeeContact(em, p, contactId))) throw notFound('contact', contactId);
  }

  async assertCanSeeConversation(em: EntityManager, p: Principal, conv: { id: string; inboxId: string; assigneeId: string | null } | null, id: string): Promise<void> {
    if (!conv) throw notFound('conversation', id);
    if (!(await this.canSeeConversation(em, p, conv))) throw new DomainError('FORBIDDEN', `you are not a member of the inbox of conversation ${id}`);
  }
}
