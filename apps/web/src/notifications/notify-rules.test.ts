import { describe, expect, it } from 'vitest';
import type { MentionSummary, MessageSummary } from '@inbox/realtime-contract';
import { DEFAULT_SETTINGS, noticeFor, tabTitle, type NoticeContext } from './notify-rules';

const ctx = (over: Partial<NoticeContext> = {}): NoticeContext => ({ meId: 'me', settings: DEFAULT_SETTINGS, assigneeOf: () => 'me', viewing: null, visible: true, ...over });
const assigned = (over: Record<string, unknown> = {}) => ({
  type: 'assigned' as const,
  data: { conversationId: 'c1', agentId: 'me', previousAgentId: null, teamId: null, reason: 'least busy', by: 'routing' as const, ...over },
});
const message = (over: Partial<MessageSummary> = {}) => ({
  type: 'message' as const,
  data: { id: 'm1', conversationId: 'c1', direction: 'inbound', kind: 'message', authorType: 'contact', authorId: null, text: 'Hello?', ...over } as MessageSummary,
});

describe('noticeFor', () => {
  it('notifies a new assignment by routing or a coordinator', () => {
    expect(noticeFor(assigned(), ctx())).toEqual({ kind: 'assigned', conversationId: 'c1' });
    expect(noticeFor(assigned({ by: 'coordinator' }), ctx())).toEqual({ kind: 'assigned', conversationId: 'c1' });
  });
  it("stays quiet for one's own actions and for others' assignments", () => {
    expect(noticeFor(assigned({ by: 'agent' }), ctx())).toBeNull();
    expect(noticeFor(assigned({ agentId: 'someone-else' }), ctx())).toBeNull();
    expect(noticeFor(assigned({ previousAgentId: 'me' }), ctx())).toBeNull();
    expect(noticeFor(message({ direction: 'outbound', authorType: 'user', authorId: 'me' }), ctx())).toBeNull();
  });
  it('notifies an offer with its expiry', () => {
    const e = { type: 'offered' as const, data: { conversationId: 'c1', agentId: 'me', expiresAt: '2030-01-01T00:00:30Z', reason: '', conversation: {} as never } };
    expect(noticeFor(e, ctx())).toEqual({ kind: 'offered', conversationId: 'c1', expiresAt: '2030-01-01T00:00:30Z' });
    expect(noticeFor({ ...e, data: { ...e.data, agentId: 'x' } }, ctx())).toBeNull();
  });
  it("notifies a customer reply in one's own conversation unless it is on screen", () => {
    expect(noticeFor(message(), ctx())).toEqual({ kind: 'reply', conversationId: 'c1', text: 'Hello?' });
    expect(noticeFor(message(), ctx({ viewing: 'c1' }))).toBeNull();
    expect(noticeFor(message(), ctx({ viewing: 'c1', visible: false }))).not.toBeNull();
    expect(noticeFor(message(), ctx({ assigneeOf: () => 'other' }))).toBeNull();
    expect(noticeFor(message({ kind: 'note' }), ctx())).toBeNull();
  });
  it('follows the settings', () => {
    const off = { ...DEFAULT_SETTINGS, assignments: false, replies: false };
    expect(noticeFor(assigned(), ctx({ settings: off }))).toBeNull();
    expect(noticeFor(message(), ctx({ settings: off }))).toBeNull();
  });
  it('notifies a mention of me by a teammate, not my own, not when off or on screen', () => {
    const mention = (over: Partial<MentionSummary> = {}) => ({
      type: 'mention' as const,
      data: {
        id: 'n1',
        messageId: 'm1',
        conversationId: 'c1',
        userId: 'me',
        authorId: 'ana',
        authorName: 'Ana',
        excerpt: '@Me look at this',
        createdAt: '2030-01-01T00:00:00Z',
        readAt: null,
        conversation: { id: 'c1', inboxId: 'i1', channel: 'email' as const, contactName: 'Carla', subject: null, status: 'open' as const },
        ...over,
      },
    });
    expect(noticeFor(mention(), ctx({ assigneeOf: () => null }))).toEqual({ kind: 'mention', conversationId: 'c1', author: 'Ana', contact: 'Carla', text: '@Me look at this' });
    expect(noticeFor(mention({ authorId: 'me' }), ctx())).toBeNull();
    expect(noticeFor(mention({ userId: 'someone-else' }), ctx())).toBeNull();
    expect(noticeFor(mention(), ctx({ settings: { ...DEFAULT_SETTINGS, mentions: false } }))).toBeNull();
    expect(noticeFor(mention(), ctx({ viewing: 'c1' }))).toBeNull();
    expect(noticeFor(mention(), ctx({ viewing: 'c1', visible: false }))).not.toBeNull();
  });
});

describe('tabTitle', () => {
  it('counts unread conversations and an offer countdown', () => {
    expect(tabTitle('Inbox', 0, null)).toBe('Inbox');
    expect(tabTitle('Inbox', 3, null)).toBe('(3) Inbox');
    expect(tabTitle('Inbox', 1, 12)).toBe('⏱ 12s (1) Inbox');
  });
});
