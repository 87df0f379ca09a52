import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal, isStaff } from '../auth/principal';
import { DomainError, notFound } from '../errors/domain-error';
import { InboxRepository } from '../repositories/inbox.repository';

/** Who may see what: admins and coordinators everything; agents their inboxes and their own conversations; bots everything they are given a token for. */
@Injectable()
export class AccessService {
  constructor(private readonly inboxes: InboxRepository) {}

  async canSeeConversation(em: EntityManager, p: Principal, conv: { id: string; inboxId: string; assigneeId: string | null }): Promise<boolean> {
    if (p.type === 'bot' || isStaff(p)) return true;
    if (p.type === 'inbox') return p.inboxId === conv.inboxId;
    return conv.assigneeId === p.id || (await this.inboxes.isMember(em, conv.inboxId, p.id));
  }

  async assertCanSeeConversation(em: EntityManager, p: Principal, conv: { id: string; inboxId: string; assigneeId: string | null } | null, id: string): Promise<void> {
    if (!conv) throw notFound('conversation', id);
    if (!(await this.canSeeConversation(em, p, conv))) throw new DomainError('FORBIDDEN', `you are not a member of the inbox of conversation ${id}`);
  }
}
