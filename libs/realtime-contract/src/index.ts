/**
 * The one typed realtime contract, shared by the server, the web app and the widget.
 * Event names are part of the public API: external clients rely on them.
 */
import type { ChannelKind, ConversationStatus } from './vocabulary';
export * from './vocabulary';

export type ChannelKindName = ChannelKind;
export type PresenceName = 'online' | 'away' | 'offline';

export interface ConversationSummary {
  id: string;
  inboxId: string;
  channel: ChannelKindName;
  contactId: string;
  contactName: string | null;
  /** The contact's short stable number: clients show "Visitor #N" for a web chat visitor without a name. */
  contactNumber: number;
  status: ConversationStatus;
  priority: number;
  assigneeId: string | null;
  teamId: string | null;
  labels: string[];
  subject: string | null;
  language: string | null;
  assignmentReason: string | null;
  waitingSince: string | null;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  snoozedUntil: string | null;
  /** The service level that applies (null: no policy matched). */
  sla: ConversationSla | null;
  /** The latest customer, agent or bot message (notes and activity lines left out), for the list's preview. */
  lastMessage: LastMessagePreview | null;
  lastMessageAt: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * What a web chat visitor's browser told us at its latest connect (untrusted hints, shown to
 * agents): browser and OS parsed from the User-Agent on the server, the page, where the visitor
 * came from, and the visitor's time zone for a local clock.
 */
export interface VisitorInfo {
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  /** `desktop`, `mobile`, `tablet`, … as the User-Agent says; null when it does not. */
  device: string | null;
  /** http(s) only. */
  pageUrl: string | null;
  pageTitle: string | null;
  /** http(s) only; null for a direct visit. */
  referrer: string | null;
  /** An IANA zone such as `Europe/Kyiv`. */
  timeZone: string | null;
  /** Minutes east of UTC at the visit (+120 for UTC+2). */
  utcOffsetMinutes: number | null;
  seenAt: string;
}

export interface LastMessagePreview {
  /** The start of the text only (the list shows one line). */
  text: string;
  authorType: MessageSummary['authorType'];
  authorId: string | null;
  createdAt: string;
}

export type SlaClockKindName = 'first_response' | 'next_response' | 'resolution';
export type SlaStateName = 'ok' | 'warning' | 'breached' | 'met';

export interface ConversationSla {
  policyId: string;
  policyName: string;
  firstResponseDueAt: string | null;
  nextResponseDueAt: string | null;
  resolutionDueAt: string | null;
  /** The earliest due time of a running clock (what a countdown shows); null when none runs or while paused. */
  dueAt: string | null;
  state: SlaStateName;
  paused: boolean;
  breaches: Array<{ kind: SlaClockKindName; dueAt: string; breachedAt: string }>;
}

/** `sla.warning` / `sla.breached`: to the assignee and the coordinators. */
export interface SlaAlert {
  conversationId: string;
  inboxId: string;
  teamId: string | null;
  assigneeId: string | null;
  policyId: string;
  policyName: string;
  kind: SlaClockKindName;
  level: 'warning' | 'breached';
  dueAt: string;
}

/** `csat.received`: a customer's rating (1-5; thumbs are 1 or 5), to the assignee, the coordinators and the inbox. */
export interface CsatReceived {
  conversationId: string;
  inboxId: string;
  teamId: string | null;
  agentId: string | null;
  rating: number;
  scale: 'stars' | 'thumbs';
  comment: string | null;
  /** A rating of 2 or less: worth a coordinator's look. */
  low: boolean;
  /** A change of an earlier rating (allowed within 24 hours of the first). */
  updated: boolean;
  ratedAt: string;
}

/**
 * `mention.created`: a teammate named the user in a private note. Only to the mentioned user's
 * own room (`agent:<id>`), never to the author. Notes name people as plain `@Name` text; the
 * ids travel beside it (the request's `mentions`, the note's `metadata.mentions`).
 */
export interface MentionSummary {
  id: string;
  messageId: string;
  conversationId: string;
  /** The mentioned user. */
  userId: string;
  authorId: string;
  authorName: string | null;
  /** The start of the note (one line in a list or a toast). */
  excerpt: string;
  createdAt: string;
  readAt: string | null;
  conversation: { id: string; inboxId: string; channel: ChannelKindName; contactName: string | null; subject: string | null; status: ConversationStatus };
}

/** `mention.read`: the user's mentions marked read (in another tab too), to the user's own room. */
export interface MentionsRead {
  userId: string;
  ids: string[];
  readAt: string;
}

/** A note's `metadata.mentions`: who it names, so a timeline highlights `@Name` without another request. */
export interface NoteMention {
  userId: string;
  name: string;
}

export interface AttachmentSummary {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
  url: string;
}

export interface MessageSummary {
  id: string;
  conversationId: string;
  inboxId: string;
  direction: 'inbound' | 'outbound';
  /** `call`: a phone call; its details are in `metadata.call` (see CallDetails). */
  kind: 'message' | 'note' | 'activity' | 'call';
  authorType: 'contact' | 'user' | 'bot' | 'system';
  authorId: string | null;
  text: string;
  html: string | null;
  externalId: string | null;
  status: 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | null;
  error: string | null;
  attempts: number;
  /** While `queued`/`sending`: when delivery should have settled; past it an agent may retry. */
  deliveryDeadline: string | null;
  metadata: Record<string, unknown>;
  attachments: AttachmentSummary[];
  sentAt: string | null;
  createdAt: string;
}

export interface AssignedEvent {
  conversationId: string;
  agentId: string | null;
  previousAgentId: string | null;
  teamId: string | null;
  reason: string;
  by: 'routing' | 'coordinator' | 'agent' | 'system';
}

export interface OfferedEvent {
  conversationId: string;
  agentId: string;
  expiresAt: string;
  reason: string;
  conversation: ConversationSummary;
}

export interface PresenceEvent {
  agentId: string;
  presence: PresenceName;
  at: string;
}

export interface QueueStats {
  at: string;
  teams: Array<{ teamId: string | null; name: string; waiting: number; oldestWaitSeconds: number }>;
  agents: Array<{ agentId: string; name: string; presence: PresenceName; load: Record<string, number>; capacity: Record<string, number>; lastAssignedAt: string | null }>;
}

/** Every server event carries the outbox sequence number it was published under, for replay. */
export interface Envelope<T> {
  seq: number;
  data: T;
}

export interface ServerToClientEvents {
  'conversation.created': (e: Envelope<ConversationSummary>) => void;
  'conversation.updated': (e: Envelope<ConversationSummary>) => void;
  'conversation.offered': (e: Envelope<OfferedEvent>) => void;
  'conversation.assigned': (e: Envelope<AssignedEvent>) => void;
  'message.created': (e: Envelope<MessageSummary>) => void;
  'message.updated': (e: Envelope<MessageSummary>) => void;
  'agent.presence': (e: Envelope<PresenceEvent>) => void;
  'queue.stats': (e: Envelope<QueueStats>) => void;
  'csat.received': (e: Envelope<CsatReceived>) => void;
  'sla.warning': (e: Envelope<SlaAlert>) => void;
  'sla.breached': (e: Envelope<SlaAlert>) => void;
  'mention.created': (e: Envelope<MentionSummary>) => void;
  'mention.read': (e: Envelope<MentionsRead>) => void;
  typing: (e: { conversationId: string; userId: string; name: string; typing: boolean }) => void;
  /** Sent just before the server closes the socket because the session's rights changed or ended. */
  'session.ended': (e: SessionEnded) => void;
}

/**
 * Why the server closed a socket. `ACCESS_CHANGED`: reconnect with the same token (rooms follow
 * the new rights). `SESSION_EXPIRED` / `SESSION_REVOKED`: the token no longer works; log in again.
 * A reconnect refused at the handshake carries the same codes in `connect_error`'s `data.reason`.
 */
export interface SessionEnded {
  code: 'ACCESS_CHANGED' | 'SESSION_EXPIRED' | 'SESSION_REVOKED';
}

export type Ack<T = Record<string, unknown>> = ({ ok: true } & T) | { ok: false; code: string; message: string };
export type AckFn<T = Record<string, unknown>> = (ack: Ack<T>) => void;

export interface ClientToServerEvents {
  'presence.set': (p: { presence: 'online' | 'away' }, ack: AckFn<{ presence: PresenceName }>) => void;
  'offer.accept': (p: { conversationId: string }, ack: AckFn) => void;
  'offer.decline': (p: { conversationId: string }, ack: AckFn) => void;
  'conversation.join': (p: { conversationId: string }, ack: AckFn) => void;
  'conversation.leave': (p: { conversationId: string }, ack: AckFn) => void;
  typing: (p: { conversationId: string; typing: boolean }, ack?: AckFn) => void;
  'events.replay': (p: { afterSeq: number }, ack: AckFn<{ replayed: number; lastSeq: number }>) => void;
  'coordinator.assign': (p: { conversationId: string; agentId: string; force?: boolean }, ack: AckFn) => void;
  'coordinator.transfer': (p: { conversationId: string; teamId: string }, ack: AckFn) => void;
  'coordinator.unassign': (p: { conversationId: string }, ack: AckFn) => void;
  'coordinator.takeover': (p: { conversationId: string }, ack: AckFn) => void;
  'coordinator.priority': (p: { conversationId: string; priority: number }, ack: AckFn) => void;
}

export const SERVER_EVENTS = [
  'conversation.created',
  'conversation.updated',
  'conversation.offered',
  'conversation.assigned',
  'message.created',
  'message.updated',
  'agent.presence',
  'queue.stats',
  'csat.received',
  'sla.warning',
  'sla.breached',
  'mention.created',
  'mention.read',
] as const;
export type ServerEventName = (typeof SERVER_EVENTS)[number];

export const rooms = {
  agent: (id: string) => `agent:${id}`,
  bot: (id: string) => `bot:${id}`,
  team: (id: string) => `team:${id}`,
  coordinators: 'coordinators',
  conversation: (id: string) => `conversation:${id}`,
  inbox: (id: string) => `inbox:${id}`,
  visitor: (session: string) => `visitor:${session}`,
} as const;
export * from './activity';
export * from './views';
export * from './qa';
