import type { UserRole } from '../entities/enums';

export type Principal =
  | { type: 'user'; id: string; role: UserRole; name: string }
  | { type: 'bot'; id: string; name: string }
  | { type: 'inbox'; inboxId: string };

export const isStaff = (p: Principal): boolean => p.type === 'user' && (p.role === 'admin' || p.role === 'coordinator');
