import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InboundMessage, IngestResult } from '../channels/channel-adapter';
import { Transactions } from '../db/transactions';
import { isRetryableConflict } from '../db/pg-errors';
import { ContactRepository } from '../repositories/contact.repository';
import { ConversationRepository } from '../repositories/conversation.repository';
import { MessageRepository } from '../repositories/message.repository';
import { ConversationHooks } from '../conversations/conversation-hooks';
import type { PendingEvent } from '../events/domain-events';
import { DomainError, notFound } from '../errors/domain-error';
import { sanitizeMessageHtml } from '../util/sanitize';
import { htmlToText } from '../util/text';

/** Raised inside the transaction to roll back everything when another ingest stored the message first. */
class AlreadyIngested extends Error {}

/**
 * The one ingest path of every channel: identity, conversation, message and outbox
 * row in ONE transaction; events published after commit. Idempotent on
 * (inbox, external id) and safe under concurrent delivery of the same payloads.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly contacts: ContactRepository,
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly hooks: ConversationHooks,
  ) {}

  /** Ingest is idempotent, so a deadlock victim (another writer touched the same rows) simply tries again. */
  async ingest(input: InboundMessage): Promise<IngestResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ingestOnce(input);
      } catch (err) {
        if (isRetryableConflict(err) && attempt < 4) {
          this.logger.warn({ inboxId: input.inboxId, externalId: input.externalId, attempt }, 'ingest hit a deadlock; retrying');
          continue;
        }
        throw err;
      }
    }
  }

  private async ingestOnce(input: InboundMessage): Promise<IngestResult> {
    const msg = normalise(input);
    const { inbox, seen } = await this.messages.ingestPrecheck(this.tx.manager, msg.inboxId, msg.externalId);
    if (!inbox) throw notFound('inbox', msg.inboxId);
    if (seen) return this.duplicate(seen, msg);
    if (inbox.channel !== msg.channel) {
      throw new DomainError('VALIDATION_FAILED', `inbox ${msg.inboxId} is a ${inbox.channel} inbox, not ${msg.channel}`);
    }
    try {
      return await this.tx.run(async (tx) => {
        const { em, emit } = tx;
        const at = msg.receivedAt ?? new Date();
        const { contactId, identityId, created: newContact } = await this.contacts.resolveIdentity(em, msg.channel, msg.contact.identifier, msg.contact);
        const conversation = await this.conversations.upsertOpenThread(em, {
          inboxId: msg.inboxId,
          channel: msg.channel,
          contactId,
          identityId,
          threadKey: msg.threadKey ?? `contact:${msg.contact.identifier}`,
          teamId: inbox.teamId,
          subject: msg.subject ?? null,
          language: msg.language ?? msg.contact.language ?? null,
          priority: msg.priority ?? 1,
          at,
        });
        if (!newContact) await this.contacts.fillMissing(em, contactId, msg.contact);
        const messageId = await this.messages.insert(em, {
          conversationId: conversation.id,
          inboxId: msg.inboxId,
          direction: 'inbound',
          kind: 'message',
          authorType: 'contact',
          authorId: contactId,
          text: msg.text,
          html: msg.html ?? null,
          externalId: msg.externalId,
          status: null,
          metadata: msg.metadata ?? {},
          createdAt: at,
        });
        if (!messageId) throw new AlreadyIngested();
        if (msg.attachments?.length) await this.messages.insertAttachments(em, messageId, msg.attachments);
        // The channel's own rows that belong to the message (the raw email) commit with it, or not at all.
        if (input.onStored) await input.onStored(em, { messageId, conversationId: conversation.id });
        // SLA clocks and automation rules react in this transaction; their events follow the message's.
        const hookEvents: PendingEvent[] = [];
        const hookTx = { ...tx, emit: (e: PendingEvent) => hookEvents.push(e) };
        if (conversation.created) await this.hooks.run(hookTx, { type: 'conversation.created', conversationId: conversation.id, messageId }, 'customer');
        await this.hooks.run(hookTx, { type: 'message.created', conversationId: conversation.id, messageId, from: 'customer' }, 'customer');

        const summaries = await this.messages.summaries(em, conversation.id, messageId);
        emit({ type: conversation.created ? 'conversation.created' : 'conversation.updated', conversationId: conversation.id, payload: summaries.conversation as never });
        emit({ type: 'message.created', conversationId: conversation.id, payload: summaries.message as never });
        for (const e of hookEvents) emit(e);
        return { conversationId: conversation.id, messageId, contactId, created: true, conversationCreated: conversation.created };
      });
    } catch (err) {
      if (!(err instanceof AlreadyIngested)) throw err;
      const winner = await this.messages.findByExternalId(this.tx.manager, msg.inboxId, msg.externalId);
      if (!winner) throw err;
      return this.duplicate(winner, msg);
    }
  }

  private async duplicate(seen: { id: string; conversationId: string }, msg: InboundMessage): Promise<IngestResult> {
    this.logger.debug({ inboxId: msg.inboxId, externalId: msg.externalId }, 'redelivered message ignored');
    const [row] = await this.tx.manager.query(`SELECT contact_id FROM conversations WHERE id = $1`, [seen.conversationId]);
    return { conversationId: seen.conversationId, messageId: seen.id, contactId: row.contact_id, created: false, conversationCreated: false };
  }
}

/** Channel-neutral clean-up: sanitised HTML, a text body even for HTML-only input, a stable external id. */
export function normalise(input: InboundMessage): InboundMessage {
  const html = input.html ? sanitizeMessageHtml(input.html) : null;
  const text = input.text?.trim() ? input.text : html ? htmlToText(html) : '';
  const externalId = input.externalId?.trim() || 'sha256:' + createHash('sha256').update(`${input.contact.identifier}\n${input.receivedAt?.toISOString() ?? ''}\n${text}`).digest('hex');
  return { ...input, html, text, externalId };
}
