import type { UserRole } from '../entities/enums';
import type { BotScope } from './permissions';

export type Principal =
  | { type: 'user'; id: string; role: UserRole; name: string }
  /** `inboxIds` null: an unscoped bot that sees every inbox (created without inboxIds). */
  | { type: 'bot'; id: string; name: string; inboxIds: string[] | null; scopes: readonly BotScope[] }
  /**
   * `unconfirmedTokenHash`: the token was recognised from this replica's memory (InboxTokenCache),
   * not read from the database for this request; only a route that confirms it in its own write
   * (`AllowInboxToken({ confirmedByWrite: true })`) is given such a principal, and must pass it on.
   */
  | { type: 'inbox'; inboxId: string; unconfirmedTokenHash?: string };

export const isStaff = (p: Principal): boolean => p.type === 'user' && (p.role === 'admin' || p.role === 'coordinator');
