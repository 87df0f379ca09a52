export const BOT_SCOPES = ['conversations.read', 'conversations.write', 'contacts.read', 'contacts.write', 'channels.post', 'webhooks'] as const;
export const WEBHOOK_EVENTS = [
  'conversation.created',
  'conversation.updated',
  'conversation.assigned',
  'conversation.resolved',
  'message.created',
  'message.updated',
  'csat.received',
  'sla.warning',
  'sla.breached',
] as const;

export interface Bot {
  id: string;
  name: string;
  description: string | null;
  active: boolean;
  /** null: every inbox */
  inboxIds: string[] | null;
  scopes: string[];
  tokenExpiresAt: string | null;
  firstInboxIds: string[];
  createdAt: string;
  token?: string;
  webhookSecret?: string;
}

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  inboxIds: string[] | null;
  botId: string | null;
  active: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  secret?: string;
}

export interface WebhookDelivery {
  id: string;
  event: string;
  conversationId: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  responseStatus: number | null;
  latencyMs: number | null;
  responseExcerpt: string | null;
  error: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
}
