import type { ConversationSummary, MessageSummary } from '../api/types';

/** Test data for component tests: a plain open conversation and a customer's message, overridable field by field. */
export const aConversation = (o: Partial<ConversationSummary> = {}): ConversationSummary =>
  ({
    id: 'c1',
    inboxId: 'i1',
    channel: 'api',
    contactId: 'k1',
    contactName: 'Chloé',
    contactNumber: 7,
    status: 'open',
    priority: 1,
    assigneeId: null,
    teamId: null,
    labels: [],
    subject: null,
    language: null,
    assignmentReason: null,
    waitingSince: null,
    firstResponseAt: null,
    resolvedAt: null,
    snoozedUntil: null,
    lastMessageAt: '2026-11-30T10:00:00.000Z',
    createdAt: '2026-11-30T10:00:00.000Z',
    updatedAt: '2026-11-30T10:00:00.000Z',
    ...o,
  }) as ConversationSummary;

export const aMessage = (o: Partial<MessageSummary> = {}): MessageSummary =>
  ({
    id: 'm1',
    conversationId: 'c1',
    inboxId: 'i1',
    direction: 'inbound',
    kind: 'message',
    authorType: 'contact',
    authorId: null,
    text: 'hi',
    html: null,
    externalId: null,
    status: null,
    error: null,
    attempts: 0,
    deliveryDeadline: null,
    metadata: {},
    attachments: [],
    sentAt: null,
    createdAt: '2026-11-30T10:00:00.000Z',
    ...o,
  }) as MessageSummary;
