import { Injectable, Logger } from '@nestjs/common';
import type { TxContext } from '../db/transactions';
import { ConversationRepository } from '../repositories/conversation.repository';
import { MessageRepository } from '../repositories/message.repository';
import { CsatRepository } from './csat.repository';
import { parseRatingReply } from './csat-reply.util';
import { CsatService } from './csat.service';

export interface CsatReplyInput {
  inboxId: string;
  channel: string;
  /** The sender's address on the channel (the identity the survey went to). */
  address: string;
  threadKey: string;
  text: string;
  hasAttachments: boolean;
  externalId: string;
  metadata: Record<string, unknown>;
  at: Date;
}

export interface CsatReplyTaken {
  conversationId: string;
  contactId: string;
  /** Null: the message (inbox, external id) is stored already: a redelivery. */
  messageId: string | null;
  /** Whether the reply became the conversation's rating (false: the survey had closed). */
  recorded: boolean;
}

/**
 * A customer answering the survey in their own chat: a message that is only a rating ("4",
 * "👍"), sent in the thread of their resolved conversation whose survey went out, is the
 * survey's answer, not a new conversation. Channel-neutral: it runs in the ingest transaction
 * before the message finds its conversation, for every channel alike.
 *
 * The reply itself stays in the resolved conversation's timeline (`metadata.csatReply`), as
 * support teams expect to see what the customer wrote; it opens and reopens nothing. While the
 * survey takes answers (its window, then 24 hours to change) the reply is recorded through
 * CsatService as the page's answer is; after that it is kept and changes nothing.
 */
@Injectable()
export class CsatReplyService {
  private readonly logger = new Logger(CsatReplyService.name);

  constructor(
    private readonly repo: CsatRepository,
    private readonly csat: CsatService,
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
  ) {}

  /** Null: not a survey answer; the message goes the usual way. */
  /** Whether a message could answer a survey at all (no query): the star scale reads every rating form. */
  mayAnswer(m: { text: string; hasAttachments: boolean }): boolean {
    return !m.hasAttachments && parseRatingReply(m.text, 'stars') !== null;
  }

  async take(tx: TxContext, m: CsatReplyInput): Promise<CsatReplyTaken | null> {
    // Most messages stop here, before any query.
    if (!this.mayAnswer(m)) return null;
    const surveyId = await this.repo.surveyAwaitingReply(tx.em, m);
    if (!surveyId) return null;
    // The survey's lock orders this answer with the page's and the widget's (and a redelivery).
    const survey = await this.repo.lockSurvey(tx.em, surveyId);
    if (!survey || survey.status !== 'sent') return null;
    const rating = parseRatingReply(m.text, survey.scale);
    if (rating === null) return null;
    const conv = await this.conversations.summary(tx.em, survey.conversationId);
    // Reopened meanwhile: the reply is part of the live conversation.
    if (!conv || conv.status !== 'resolved') return null;
    const previous = await this.repo.responseOf(tx.em, survey.conversationId);
    const recorded = this.csat.stateOf(survey.expiresAt, previous) !== 'closed';
    const messageId = await this.messages.insert(tx.em, {
      conversationId: survey.conversationId,
      inboxId: m.inboxId,
      direction: 'inbound',
      kind: 'message',
      authorType: 'contact',
      authorId: conv.contactId,
      text: m.text,
      html: null,
      externalId: m.externalId,
      status: null,
      metadata: { ...m.metadata, csatReply: { surveyId, rating, recorded } },
      createdAt: m.at,
    });
    const taken = { conversationId: survey.conversationId, contactId: conv.contactId, messageId, recorded };
    if (!messageId) return taken;
    tx.emit({ type: 'message.created', conversationId: survey.conversationId, payload: (await this.messages.summary(tx.em, messageId))! });
    if (recorded) await this.csat.record(tx, survey, rating, null, previous);
    this.logger.log({ conversationId: survey.conversationId, surveyId, rating, recorded }, 'chat reply taken as the survey answer');
    return taken;
  }
}
