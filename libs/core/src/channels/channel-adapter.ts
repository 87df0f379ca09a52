import type { EntityManager } from 'typeorm';
import type { ChannelKind } from '../entities/enums';
import type { MessageSummary } from '@inbox/realtime-contract';

/** What a channel adapter hands to the ingest service: channel-neutral. */
export interface InboundMessage {
  inboxId: string;
  channel: ChannelKind;
  /** Channel id of the message (Message-ID, Slack ts, wamid...): unique per inbox, makes ingest idempotent. */
  externalId: string;
  contact: { identifier: string; name?: string | null; email?: string | null; phone?: string | null; language?: string | null };
  /** The channel's thread (email root Message-ID, Slack thread ts, chat session); defaults to the contact. */
  threadKey?: string | null;
  text: string;
  html?: string | null;
  subject?: string | null;
  language?: string | null;
  priority?: number;
  attachments?: Array<{ fileName: string; contentType: string; data: Buffer; contentId?: string | null }>;
  metadata?: Record<string, unknown>;
  receivedAt?: Date;
  /**
   * The hash of the inbox token the push came with, when no lookup confirmed it for this request
   * (InboxTokenCache): the storing statement writes only if the inbox is active and still has this
   * token, else the push is refused as unauthenticated and nothing is written.
   */
  inboxTokenHash?: string;
  /**
   * Work that must commit with the message or not at all (the raw email kept beside it): runs
   * inside the ingest transaction, only when the message is new (a redelivery stored nothing).
   */
  onStored?: (em: EntityManager, stored: { messageId: string; conversationId: string }) => Promise<void>;
}

export interface IngestResult {
  conversationId: string;
  messageId: string;
  contactId: string;
  /** false when the external id was seen before: a redelivery, nothing was written. */
  created: boolean;
  conversationCreated: boolean;
}

export interface InboxContext {
  id: string;
  name: string;
  channel: ChannelKind;
  settings: Record<string, unknown>;
  secrets: Record<string, unknown>;
}

/** An attachment of the message being sent, with its bytes. */
export interface OutboundAttachment {
  id: string;
  fileName: string;
  contentType: string;
  data: Buffer;
}

/**
 * Everything an adapter needs to deliver one message, loaded by the outbound service before
 * the call: an adapter's `send` is transport only and never reads back into core.
 */
export interface OutboundContext {
  inbox: InboxContext;
  message: MessageSummary;
  conversation: { id: string; threadKey: string; subject: string | null; contactId: string };
  /** The customer's address on this channel: the identity the conversation came from. */
  recipient: string;
  author: { type: 'user' | 'bot' | 'system'; id: string | null; name: string | null };
  /** The conversation's earlier messages that carry a channel id, oldest first (email threading headers). */
  thread: Array<{ externalId: string; direction: 'inbound' | 'outbound' }>;
  /** Who else was on the customer's last message (email CC), for reply-all; the message's own `metadata.cc` wins. */
  cc: string[];
  attachments: OutboundAttachment[];
}

export interface SendResult {
  externalId?: string | null;
}

/** Thrown by `send` when retrying cannot help (4xx from the peer, a rejected recipient). */
export class PermanentSendError extends Error {
  readonly permanent = true;
}

export interface ConfiguredInbox {
  settings: Record<string, unknown>;
  secrets: Record<string, unknown>;
  /** Credentials shown once in the create response, never again. */
  revealOnce: Record<string, string>;
  /** Hash of an inbox token that authenticates pushes into `/inboxes/:id/incoming`. */
  tokenHash?: string | null;
}

/**
 * One adapter per channel, behind one interface. Adding a channel touches one folder
 * and registers its adapter; nothing else switches on the channel kind.
 */
export interface ChannelAdapter {
  readonly kind: ChannelKind;
  /** Validates the channel part of an inbox create request (throws DomainError VALIDATION_FAILED). */
  configure(input: Record<string, unknown>): Promise<ConfiguredInbox>;
  /** Public view of the settings (never secrets). */
  publicSettings(settings: Record<string, unknown>): Record<string, unknown>;
  send(ctx: OutboundContext): Promise<SendResult>;
  /** After the inbox is deleted: unregister what configure() registered with the peer (a bot's webhook). Best effort. */
  onRemove?(inbox: InboxContext): Promise<void>;
  /**
   * The settings after an admin's change (PATCH /inboxes/:id), validated like configure() but keeping
   * what identifies the inbox to its peer (the web chat's website token). Kinds without it keep the
   * settings they were created with.
   */
  reconfigure?(current: Record<string, unknown>, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}
