export type {
  AssignedEvent,
  AttachmentSummary,
  ChannelKindName,
  ConversationSummary,
  MessageSummary,
  OfferedEvent,
  PresenceName,
  QueueStats,
  VisitorInfo,
} from '@inbox/realtime-contract';
import type { VisitorInfo } from '@inbox/realtime-contract';

export type Role = 'admin' | 'coordinator' | 'agent';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  languages: string[];
  skills: string[];
  capacity: Record<string, number>;
  locale: string;
  active: boolean;
  createdAt: string;
}

export interface DirectoryUser {
  id: string;
  name: string;
  role: Role;
  active: boolean;
}

export interface Team {
  id: string;
  name: string;
  description: string | null;
  strategy: 'least_busy' | 'round_robin' | 'manual';
  offerTimeoutSeconds: number | null;
  stickyWindowSeconds: number;
  overflowTeamId: string | null;
  overflowAfterSeconds: number | null;
  businessHours: { timezone: string; days: Record<string, Array<{ open: string; close: string }>> } | null;
  defaultCapacity: Record<string, number>;
  awayMessage: string | null;
  memberIds: string[];
}

export interface Inbox {
  id: string;
  name: string;
  channel: string;
  teamId: string | null;
  active: boolean;
  token?: string;
  webhookSecret?: string;
  [key: string]: unknown;
}

export interface Contact {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
  notes: string | null;
  labels: string[];
  createdAt: string;
  identities: Array<{ id: string; channel: string; address: string }>;
  /** Short and stable: "Visitor #N" while a web chat visitor has no name. */
  number: number;
  /** The latest web chat visitor info; null for other channels. */
  visitor: VisitorInfo | null;
}

export interface CannedResponse {
  id: string;
  shortcut: string;
  title: string;
  text: string;
  /** null: shared with everyone; else one team's. */
  teamId?: string | null;
}
