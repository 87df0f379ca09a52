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

import type { UserRole } from '@inbox/realtime-contract';

/** REST views, the same types the server's repositories return. */
export type { UserView as User, TeamView as Team, ContactView as Contact, CannedResponseView as CannedResponse, UserRole as Role } from '@inbox/realtime-contract';

export interface DirectoryUser {
  id: string;
  name: string;
  role: UserRole;
  active: boolean;
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
