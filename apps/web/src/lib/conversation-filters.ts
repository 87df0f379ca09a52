import type { ConversationSummary } from '../api/types';

export type Tab = 'mine' | 'unassigned' | 'team' | 'all';
export type StatusFilter = 'open' | 'pending' | 'snoozed' | 'resolved' | 'all';
export const TABS: Tab[] = ['mine', 'unassigned', 'team', 'all'];
export const STATUS_FILTERS: StatusFilter[] = ['open', 'pending', 'snoozed', 'resolved', 'all'];

export interface Viewer {
  id: string;
  teamIds: string[];
}

/** Which conversations a tab shows: the same rule decides live moves and the first fetch. */
export function inTab(c: ConversationSummary, tab: Tab, me: Viewer): boolean {
  switch (tab) {
    case 'mine':
      return c.assigneeId === me.id;
    case 'unassigned':
      return c.assigneeId === null;
    case 'team':
      return c.teamId !== null && me.teamIds.includes(c.teamId);
    case 'all':
      return true;
  }
}

export function hasStatus(c: ConversationSummary, status: StatusFilter): boolean {
  if (status === 'all') return true;
  // Conversations a bot is handling count as open for the humans watching.
  if (status === 'open') return c.status === 'open' || c.status === 'bot';
  return c.status === status;
}

/** Newest activity first; ties broken by id so the order is stable across renders. */
export function byRecency(a: ConversationSummary, b: ConversationSummary): number {
  if (a.lastMessageAt !== b.lastMessageAt) return a.lastMessageAt < b.lastMessageAt ? 1 : -1;
  return a.id < b.id ? 1 : -1;
}

export function selectConversations(all: Iterable<ConversationSummary>, tab: Tab, status: StatusFilter, me: Viewer): ConversationSummary[] {
  const out: ConversationSummary[] = [];
  for (const c of all) if (inTab(c, tab, me) && hasStatus(c, status)) out.push(c);
  return out.sort(byRecency);
}

/** REST filters for the first pages of a tab (the server then narrows by what the caller may see). */
export function queryFor(tab: Tab, status: StatusFilter, me: Viewer): Record<string, string | undefined> {
  const statusParam = status === 'all' ? undefined : status === 'open' ? 'open,bot' : status;
  return {
    status: statusParam,
    assigneeId: tab === 'mine' ? me.id : tab === 'unassigned' ? 'none' : undefined,
    teamId: tab === 'team' && me.teamIds.length === 1 ? me.teamIds[0] : undefined,
  };
}
