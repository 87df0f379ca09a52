import type { UserRole } from '../entities/enums';
import type { BotScope } from './permissions';

export type Principal =
  | { type: 'user'; id: string; role: UserRole; name: string }
  /** `inboxIds` null: an unscoped bot that sees every inbox (created without inboxIds). */
  | { type: 'bot'; id: string; name: string; inboxIds: string[] | null; scopes: readonly BotScope[] }
  | { type: 'inbox'; inboxId: string };

export const isStaff = (p: Principal): boolean => p.type === 'user' && (p.role === 'admin' || p.role === 'coordinator');
