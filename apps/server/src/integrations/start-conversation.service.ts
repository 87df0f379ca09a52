import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ConversationSummary, MessageSummary } from '@inbox/realtime-contract';
import {
  AccessService,
  ContactRepository,
  ConversationRepository,
  DomainError,
  InboxRepository,
  MessageRepository,
  OutboundService,
  Principal,
  Transactions,
  notFound,
  sanitizeMessageHtml,
} from '@inbox/core';
import { AssignmentService } from '../routing/assignment.service';
import { StartConversationRepository } from './start-conversation.repository';

export interface StartConversation {
  inboxId: string;
  contact: { id?: string; identifier?: string; name?: string; email?: string; phone?: string };
  subject?: string;
  text: string;
  html?: string;
}

/** Channels where the business may write first, and what each needs. WhatsApp needs templates (not yet). */
const STARTABLE: Record<string, { needsSubject: boolean; identifier: 'email' | 'any' }> = {
  email: { needsSubject: true, identifier: 'email' },
  api: { needsSubject: false, identifier: 'any' },
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A conversation the business starts (an agent emails a customer first): the recipient
 * identity is recorded on the conversation, the first message goes out as a durable job like
 * any reply, and the conversation is the starting agent's.
 */
@Injectable()
export class StartConversationService {
  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly contacts: ContactRepository,
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly outbound: OutboundService,
    private readonly access: AccessService,
    private readonly assignment: AssignmentService,
    private readonly repo: StartConversationRepository,
  ) {}

  /**
   * A person starts it (assigned to them when they belong to the inbox), or a bot posts into a
   * channel (POST /inboxes/:id/messages): then the conversation is the bot's, in status `bot`,
   * until it hands over.
   */
  async start(p: Principal, s: StartConversation): Promise<{ conversation: ConversationSummary; message: MessageSummary }> {
    if (p.type === 'inbox') throw new DomainError('FORBIDDEN', 'an inbox token can only push incoming messages');
    const inbox = await this.inboxes.get(this.tx.manager, s.inboxId);
    if (!inbox) throw notFound('inbox', s.inboxId);
    this.access.assertCanUseInbox(p, inbox.id);
    if (p.type === 'user' && p.role === 'agent' && !(await this.inboxes.isMember(this.tx.manager, inbox.id, p.id)))
      throw new DomainError('FORBIDDEN', `you are not a member of inbox ${inbox.id}`);
    if (!inbox.active) throw new DomainError('INVALID_STATE', 'this inbox is deactivated');
    const rules = STARTABLE[inbox.channel];
    if (!rules) throw new DomainError('CHANNEL_NOT_SUPPORTED', `conversations cannot be started on ${inbox.channel} inboxes yet (email and API inboxes can)`);
    if (rules.needsSubject && !s.subject?.trim()) throw new DomainError('VALIDATION_FAILED', 'an email needs a subject', { fields: { subject: ['required for an email inbox'] } });
    if (!s.contact.id && !s.contact.identifier)
      throw new DomainError('VALIDATION_FAILED', 'name the contact by id or identifier', { fields: { contact: ['id or identifier is required'] } });
    if (s.contact.id) await this.access.assertCanSeeContact(this.tx.manager, p, s.contact.id);
    const identifier = s.contact.identifier?.trim();
    if (identifier && rules.identifier === 'email' && !EMAIL.test(identifier)) {
      throw new DomainError('VALIDATION_FAILED', 'the identifier of an email contact is an email address', { fields: { 'contact.identifier': ['must be an email address'] } });
    }

    return this.tx.run(async (tx) => {
      const { em, emit } = tx;
      let contactId: string;
      let identityId: string;
      if (s.contact.id) {
        const identity = await this.repo.identityFor(em, s.contact.id, inbox.channel);
        if (identity === 'TAKEN') throw new DomainError('CONFLICT', "the contact's email address belongs to another contact: merge them first");
        if (!identity) throw new DomainError('VALIDATION_FAILED', `this contact has no ${inbox.channel} address`, { fields: { contact: [`no ${inbox.channel} address`] } });
        contactId = s.contact.id;
        identityId = identity.identityId;
      } else {
        const address = rules.identifier === 'email' ? identifier!.toLowerCase() : identifier!;
        const details = { name: s.contact.name, email: s.contact.email ?? (rules.identifier === 'email' ? address : undefined), phone: s.contact.phone };
        const resolved = await this.contacts.resolveIdentity(em, inbox.channel, address, details);
        if (!resolved.created) await this.contacts.fillMissing(em, resolved.contactId, details);
        contactId = resolved.contactId;
        identityId = resolved.identityId;
      }
      const now = new Date();
      const { id } = await this.conversations.upsertOpenThread(em, {
        inboxId: inbox.id,
        channel: inbox.channel,
        contactId,
        identityId,
        threadKey: `started:${randomUUID()}`,
        teamId: inbox.teamId,
        subject: s.subject?.trim() || null,
        language: null,
        priority: 1,
        at: now,
      });
      // A person's is theirs (not the bot's, even in a bot-first inbox); a bot's stays the bot's until it hands over.
      await this.conversations.update(em, id, { status: p.type === 'bot' ? 'bot' : 'open' });
      const messageId = (await this.messages.insert(em, {
        conversationId: id,
        inboxId: inbox.id,
        direction: 'outbound',
        kind: 'message',
        authorType: p.type,
        authorId: p.id,
        text: s.text,
        html: s.html ? sanitizeMessageHtml(s.html) : null,
        externalId: null,
        status: 'queued',
        metadata: { startedBy: p.id },
      }))!;
      await this.conversations.markReplied(em, id, now, p.type === 'user');
      await this.outbound.enqueue(tx, messageId, id);
      emit({ type: 'conversation.created', conversationId: id, payload: (await this.conversations.summary(em, id))! });
      const message = (await this.messages.summary(em, messageId))!;
      emit({ type: 'message.created', conversationId: id, payload: message });
      // Staff who are not inbox members leave it to routing; a member (every agent here) holds it.
      if (p.type === 'user' && (await this.inboxes.isMember(em, inbox.id, p.id))) await this.assignment.assignStarter(tx, id, p.id);
      return { conversation: (await this.conversations.summary(em, id))!, message };
    });
  }
}
