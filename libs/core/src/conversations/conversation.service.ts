import { Injectable } from '@nestjs/common';
import type { ConversationSummary, MessageSummary } from '@inbox/realtime-contract';
import { GENERIC_PLANS, Transactions } from '../db/transactions';
import { ConversationListFilter, ConversationRepository } from '../repositories/conversation.repository';
import { ActivityLine, MessageRepository, NewAttachment } from '../repositories/message.repository';
import { OutboundService } from '../outbound/outbound.service';
import { AccessService } from './access.service';
import { cursorAfter } from './conversation-order';
import { decodeCursor, encodeCursor } from './cursor';
import { MentionService } from '../mentions/mention.service';
import { ConversationHooks } from './conversation-hooks';
import { Principal } from '../auth/principal';
import { assertCan } from '../auth/permissions';
import { isUniqueViolation } from '../db/pg-errors';
import { DomainError, notFound } from '../errors/domain-error';
import type { ConversationStatus } from '../entities/enums';
import { sanitizeMessageHtml } from '../util/sanitize';

export interface ConversationPatch {
  status?: ConversationStatus;
  priority?: number;
  labels?: string[];
  snoozedUntil?: string;
}

@Injectable()
export class ConversationService {
  constructor(
    private readonly tx: Transactions,
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly outbound: OutboundService,
    private readonly access: AccessService,
    private readonly hooks: ConversationHooks,
    private readonly mentions: MentionService,
  ) {}

  async list(p: Principal, f: Omit<ConversationListFilter, 'visibleToUserId' | 'inboxIds'>): Promise<{ items: ConversationSummary[]; nextCursor: string | null }> {
    const rows = await this.conversations.list(this.tx.manager, { ...f, ...this.access.listScope(p), limit: f.limit + 1 });
    const more = rows.length > f.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { items: rows.map((r) => r.summary), nextCursor: more && last ? cursorAfter(f.sort ?? 'newest', last.key) : null };
  }

  async get(p: Principal, id: string): Promise<ConversationSummary> {
    const seen = await this.conversations.summaryForViewer(this.tx.manager, id, this.access.membershipSubject(p));
    await this.access.assertCanSeeConversation(this.tx.manager, p, seen?.conv ?? null, id, seen?.viewerMember);
    return seen!.conv;
  }

  async messagesOf(p: Principal, id: string, opts: { before?: string; limit: number }): Promise<{ items: MessageSummary[]; prevCursor: string | null }> {
    await this.get(p, id);
    const before = opts.before ? decodeCursor<{ createdAt: string; id: string }>(opts.before) : undefined;
    const items = await this.messages.listByConversation(this.tx.manager, id, { before, limit: opts.limit });
    const first = items[0];
    return { items, prevCursor: items.length === opts.limit && first ? encodeCursor({ createdAt: first.createdAt, id: first.id }) : null };
  }

  async update(p: Principal, id: string, patch: ConversationPatch): Promise<ConversationSummary> {
    if (patch.priority !== undefined) assertCan(p, 'conversation.priority');
    return this.tx.run(async (tx) => {
      const { em, emit } = tx;
      const locked = await this.conversations.lockForUpdate(em, id, this.access.membershipSubject(p));
      await this.access.assertCanSeeConversation(em, p, locked?.conv ?? null, id, locked?.viewerMember);
      const conv = locked!.conv;
      const changes: string[] = [];
      const fields: Parameters<ConversationRepository['update']>[2] = {};
      if (patch.status && patch.status !== conv.status) {
        fields.status = patch.status;
        if (patch.status === 'snoozed') {
          if (!patch.snoozedUntil)
            throw new DomainError('VALIDATION_FAILED', 'snoozedUntil is required to snooze', { fields: { snoozedUntil: ['required when status is snoozed'] } });
          const until = new Date(patch.snoozedUntil);
          if (!(until.getTime() > Date.now()))
            throw new DomainError('VALIDATION_FAILED', 'snoozedUntil must be in the future', { fields: { snoozedUntil: ['must be in the future'] } });
          fields.snoozedUntil = until;
        } else fields.snoozedUntil = null;
        fields.resolvedAt = patch.status === 'resolved' ? new Date() : null;
        if (patch.status === 'resolved') fields.waitingSince = null;
        changes.push(`status ${conv.status} → ${patch.status}`);
      }
      if (patch.priority !== undefined && patch.priority !== conv.priority) {
        fields.priority = patch.priority;
        changes.push(`priority ${conv.priority} → ${patch.priority}`);
      }
      if (patch.labels) {
        const labels = [...new Set(patch.labels.map((l) => l.trim()).filter(Boolean))].sort();
        if (labels.join('\n') !== [...conv.labels].sort().join('\n')) {
          fields.labels = labels;
          changes.push(`labels: ${labels.join(', ') || 'none'}`);
        }
      }
      if (changes.length === 0) return conv;
      // `previous` lets clients write "Priority: Normal → High" in their own language.
      const previous = {
        status: fields.status !== undefined ? conv.status : undefined,
        priority: fields.priority !== undefined ? conv.priority : undefined,
        labels: fields.labels !== undefined ? conv.labels : undefined,
      };
      let written: Awaited<ReturnType<ConversationRepository['updateWithActivity']>>;
      try {
        // The change and its activity line in one statement.
        written = await this.conversations.updateWithActivity(em, id, fields, { ...activityAuthor(p), text: changes.join('; '), metadata: { changes: fields, previous } });
      } catch (err) {
        // Re-opening a resolved conversation whose thread already has a newer open one.
        if (isUniqueViolation(err)) throw new DomainError('CONFLICT', 'this thread already has another open conversation');
        throw err;
      }
      if (written) emit({ type: 'message.created', conversationId: id, payload: written.activity });
      // SLA clocks (pause, resume, policy) and automation rules follow the change in this transaction.
      const changed = (['status', 'priority', 'labels'] as const).filter((k) => fields[k] !== undefined);
      // The row was read under its lock: whether it has SLA clocks spares the SLA hook a read.
      const slaRecord = conv.sla !== null;
      let hooked = await this.hooks.run(
        tx,
        { type: 'conversation.updated', conversationId: id, changed: [...changed], previousStatus: conv.status, status: fields.status, slaRecord },
        'user',
        p,
      );
      if (fields.status === 'resolved')
        hooked = (await this.hooks.run(tx, { type: 'conversation.resolved', conversationId: id, slaRecord, inboxId: conv.inboxId }, 'user', p)) || hooked;
      // The summary the update returned is current unless a hook wrote since (the activity line is not part of it).
      const summary = hooked || !written ? (await this.conversations.summary(em, id))! : written.summary;
      emit({ type: 'conversation.updated', conversationId: id, payload: summary });
      return summary;
    }, GENERIC_PLANS);
  }

  /** A reply to the customer (outbound, queued, sent by a durable job) or a private note. */
  async postMessage(
    p: Principal,
    id: string,
    body: { text: string; html?: string | null; private?: boolean; attachments?: NewAttachment[]; metadata?: Record<string, unknown>; mentions?: string[] },
  ): Promise<MessageSummary> {
    if (p.type === 'inbox') throw new DomainError('FORBIDDEN', 'an inbox token can only push incoming messages');
    if (body.mentions?.length && body.private !== true)
      throw new DomainError('VALIDATION_FAILED', 'mentions: only private notes can mention teammates', { fields: { mentions: ['only private notes can mention teammates'] } });
    return this.tx.run(async (tx) => {
      const { em, emit } = tx;
      const seen = await this.conversations.summaryForViewer(em, id, this.access.membershipSubject(p));
      await this.access.assertCanSeeConversation(em, p, seen?.conv ?? null, id, seen?.viewerMember);
      const conv = seen!.conv;
      const isNote = body.private === true;
      // Who the note names, checked before anything is written; `metadata.mentions` is the server's, never the client's.
      const mentions = await this.mentions.resolve(tx, p, conv.inboxId, body.mentions ?? []);
      const metadata: Record<string, unknown> = { ...(body.metadata ?? {}) };
      delete metadata.mentions;
      if (mentions.length) metadata.mentions = mentions;
      const messageId = (await this.messages.insert(em, {
        conversationId: id,
        inboxId: conv.inboxId,
        direction: 'outbound',
        kind: isNote ? 'note' : 'message',
        authorType: p.type,
        authorId: p.id,
        text: body.text,
        html: body.html ? sanitizeMessageHtml(body.html) : null,
        externalId: null,
        status: isNote ? null : 'queued',
        metadata,
      }))!;
      if (body.attachments?.length) await this.messages.insertAttachments(em, messageId, body.attachments);
      if (mentions.length && p.type === 'user') await this.mentions.record(tx, { messageId, conversationId: id, authorId: p.id }, mentions);
      if (!isNote) {
        await this.conversations.markReplied(em, id, new Date(), p.type === 'user');
        await this.hooks.run(tx, { type: 'message.created', conversationId: id, messageId, from: p.type === 'bot' ? 'bot' : 'agent' }, 'user', p);
        await this.outbound.enqueue(tx, messageId, id);
        emit({ type: 'conversation.updated', conversationId: id, payload: (await this.conversations.summary(em, id))! });
      }
      const summary = (await this.messages.summary(em, messageId))!;
      emit({ type: 'message.created', conversationId: id, payload: summary });
      return summary;
    });
  }

  /**
   * An automatic reply from the system (away message, auto-acknowledgement): outbound and
   * sent like any reply, but it neither counts as a first response nor stops the wait.
   */
  async postSystemReply(conversationId: string, text: string, metadata: Record<string, unknown>): Promise<MessageSummary | null> {
    return this.tx.run(async (tx) => {
      const conv = await this.conversations.summary(tx.em, conversationId);
      if (!conv || conv.status === 'resolved') return null;
      const messageId = (await this.messages.insert(tx.em, {
        conversationId,
        inboxId: conv.inboxId,
        direction: 'outbound',
        kind: 'message',
        authorType: 'system',
        authorId: null,
        text,
        html: null,
        externalId: null,
        status: 'queued',
        metadata: { ...metadata, automatic: true },
      }))!;
      await this.outbound.enqueue(tx, messageId, conversationId);
      const summary = (await this.messages.summary(tx.em, messageId))!;
      tx.emit({ type: 'message.created', conversationId, payload: summary });
      return summary;
    });
  }

  async retryMessage(p: Principal, conversationId: string, messageId: string): Promise<MessageSummary> {
    await this.get(p, conversationId);
    const msg = await this.messages.summary(this.tx.manager, messageId);
    if (!msg || msg.conversationId !== conversationId) throw notFound('message', messageId);
    // Failed, or stuck queued/sending past its deadline (its job died with a process): checked again atomically in retry.
    const notRetryable = () =>
      new DomainError('INVALID_STATE', `only failed replies, or replies still unsent past their delivery deadline, can be retried; this one is ${msg.status ?? 'not a reply'}`);
    if (msg.status !== 'failed' && msg.status !== 'queued' && msg.status !== 'sending') throw notRetryable();
    if (!(await this.outbound.retry(messageId))) throw notRetryable();
    return (await this.messages.summary(this.tx.manager, messageId))!;
  }

  /** Activity lines make every change visible in the timeline. */
  async addActivity(
    tx: Pick<Parameters<Parameters<Transactions['run']>[0]>[0], 'em' | 'emit'>,
    conversationId: string,
    inboxId: string,
    actor: Principal | null,
    text: string,
    metadata: Record<string, unknown> = {},
  ): Promise<void> {
    const line = await this.messages.insertActivity(tx.em, { conversationId, inboxId, ...activityAuthor(actor), text, metadata });
    tx.emit({ type: 'message.created', conversationId, payload: line });
  }
}

/** Who an activity line names as its author: the user or bot who acted, else the system. */
function activityAuthor(actor: Principal | null): Pick<ActivityLine, 'authorType' | 'authorId'> {
  return { authorType: actor?.type === 'user' ? 'user' : actor?.type === 'bot' ? 'bot' : 'system', authorId: actor && actor.type !== 'inbox' ? actor.id : null };
}

// Cursors moved to their own file (the list order builds them too); re-exported for existing imports.
export { decodeCursor, encodeCursor } from './cursor';
