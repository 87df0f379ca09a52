import type { LiveEvent } from '../live/live';

/** What a person wants to hear about; kept per user in this browser. */
export interface NotificationSettings {
  assignments: boolean;
  offers: boolean;
  replies: boolean;
  /** A teammate @mentioned me in a private note. */
  mentions: boolean;
  sound: boolean;
  desktop: boolean;
}

export const DEFAULT_SETTINGS: NotificationSettings = { assignments: true, offers: true, replies: true, mentions: true, sound: true, desktop: true };

const key = (userId: string) => `inbox.notifications.${userId}`;

export function loadSettings(userId: string): NotificationSettings {
  try {
    return { ...DEFAULT_SETTINGS, ...(JSON.parse(localStorage.getItem(key(userId)) ?? '{}') as Partial<NotificationSettings>) };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

export function saveSettings(userId: string, s: NotificationSettings): void {
  localStorage.setItem(key(userId), JSON.stringify(s));
}

export type Notice =
  | { kind: 'assigned'; conversationId: string }
  | { kind: 'offered'; conversationId: string; expiresAt: string }
  | { kind: 'reply'; conversationId: string; text: string }
  | { kind: 'mention'; conversationId: string; author: string | null; contact: string | null; text: string };

export interface NoticeContext {
  meId: string;
  settings: NotificationSettings;
  /** The assignee the client knows for a conversation (undefined: not loaded). */
  assigneeOf(conversationId: string): string | null | undefined;
  /** The conversation on screen, and whether the page is visible. */
  viewing: string | null;
  visible: boolean;
}

/**
 * Which live events need the person's attention. Never their own actions: taking a conversation
 * from the queue, accepting an offer or starting a conversation is done by the assignee (`by: agent`),
 * and their own replies are outbound.
 */
export function noticeFor(e: LiveEvent, ctx: NoticeContext): Notice | null {
  switch (e.type) {
    case 'assigned':
      if (!ctx.settings.assignments || e.data.agentId !== ctx.meId || e.data.by === 'agent') return null;
      if (e.data.previousAgentId === ctx.meId) return null;
      return { kind: 'assigned', conversationId: e.data.conversationId };
    case 'offered':
      if (!ctx.settings.offers || e.data.agentId !== ctx.meId) return null;
      return { kind: 'offered', conversationId: e.data.conversationId, expiresAt: e.data.expiresAt };
    case 'message': {
      const m = e.data;
      if (!ctx.settings.replies || m.kind !== 'message' || m.direction !== 'inbound' || m.authorType !== 'contact') return null;
      if (ctx.assigneeOf(m.conversationId) !== ctx.meId) return null;
      if (ctx.viewing === m.conversationId && ctx.visible) return null;
      return { kind: 'reply', conversationId: m.conversationId, text: m.text };
    }
    case 'mention': {
      // The server tells only the mentioned user; the checks keep one's own notes quiet whatever arrives.
      const n = e.data;
      if (!ctx.settings.mentions || n.userId !== ctx.meId || n.authorId === ctx.meId) return null;
      if (ctx.viewing === n.conversationId && ctx.visible) return null;
      return { kind: 'mention', conversationId: n.conversationId, author: n.authorName, contact: n.conversation.contactName, text: n.excerpt };
    }
  }
}

/** "(3) Inbox": the count of conversations with unread customer messages, before the app's name. */
export function tabTitle(base: string, unreadConversations: number, offerSecondsLeft: number | null): string {
  const parts: string[] = [];
  if (offerSecondsLeft !== null) parts.push(`⏱ ${offerSecondsLeft}s`);
  if (unreadConversations > 0) parts.push(`(${unreadConversations})`);
  parts.push(base);
  return parts.join(' ');
}
