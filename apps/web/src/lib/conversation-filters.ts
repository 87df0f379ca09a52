import type { ConversationSummary } from '../api/types';
import { sortBySlaDue } from '../sla/sla-order';
import { CHANNEL_KINDS } from '@inbox/realtime-contract';

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

export type SortOrder = 'newest' | 'oldest_waiting' | 'priority' | 'sla_due';
export const SORT_ORDERS: SortOrder[] = ['newest', 'oldest_waiting', 'priority', 'sla_due'];
export const SLA_FILTERS = ['ok', 'warning', 'breached', 'met', 'none'] as const;
export type SlaFilter = (typeof SLA_FILTERS)[number];
const CHANNELS = CHANNEL_KINDS;

/** The list's narrowing beyond tab and status; every field lives in the URL under its own name. */
export interface ListFilters {
  inboxId?: string;
  teamId?: string;
  channel?: ConversationSummary['channel'];
  label?: string;
  priority?: number;
  /** A user id, or 'none' for unassigned. */
  assigneeId?: string;
  sla?: SlaFilter;
}
export const FILTER_KEYS = ['inboxId', 'teamId', 'channel', 'label', 'priority', 'assigneeId', 'sla'] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads filters and sort from a URL, dropping what is malformed (a hand-edited or stale link must not break the list). */
export function filtersFromParams(p: URLSearchParams): { filters: ListFilters; sort: SortOrder } {
  const f: ListFilters = {};
  const get = (k: string) => p.get(k)?.trim() || undefined;
  const inboxId = get('inboxId');
  if (inboxId && UUID.test(inboxId)) f.inboxId = inboxId;
  const teamId = get('teamId');
  if (teamId && UUID.test(teamId)) f.teamId = teamId;
  const channel = get('channel');
  if (channel && (CHANNELS as readonly string[]).includes(channel)) f.channel = channel as ListFilters['channel'];
  const label = get('label');
  if (label) f.label = label.slice(0, 60);
  const priority = get('priority');
  if (priority && /^[0-3]$/.test(priority)) f.priority = Number(priority);
  const assigneeId = get('assigneeId');
  if (assigneeId && (assigneeId === 'none' || UUID.test(assigneeId))) f.assigneeId = assigneeId;
  const sla = get('sla');
  if (sla && (SLA_FILTERS as readonly string[]).includes(sla)) f.sla = sla as SlaFilter;
  const sort = get('sort');
  return { filters: f, sort: sort && (SORT_ORDERS as string[]).includes(sort) ? (sort as SortOrder) : 'newest' };
}

/** Writes filters and sort into a copy of the URL's parameters (the defaults leave no trace). */
export function filtersToParams(base: URLSearchParams, filters: ListFilters, sort: SortOrder): URLSearchParams {
  const next = new URLSearchParams(base);
  for (const k of FILTER_KEYS) {
    const v = filters[k];
    if (v === undefined || v === '') next.delete(k);
    else next.set(k, String(v));
  }
  if (sort === 'newest') next.delete('sort');
  else next.set('sort', sort);
  return next;
}

export function activeFilterCount(f: ListFilters): number {
  return FILTER_KEYS.filter((k) => f[k] !== undefined).length;
}

export function matchesFilters(c: ConversationSummary, f: ListFilters): boolean {
  if (f.inboxId && c.inboxId !== f.inboxId) return false;
  if (f.teamId && c.teamId !== f.teamId) return false;
  if (f.channel && c.channel !== f.channel) return false;
  if (f.label && !c.labels.includes(f.label)) return false;
  if (f.priority !== undefined && c.priority !== f.priority) return false;
  if (f.assigneeId && (f.assigneeId === 'none' ? c.assigneeId !== null : c.assigneeId !== f.assigneeId)) return false;
  if (f.sla && (f.sla === 'none' ? c.sla !== null : c.sla?.state !== f.sla)) return false;
  return true;
}

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Infinity);

/**
 * Orders an already filtered list, exactly as the server orders its pages (GET /conversations?sort=,
 * libs/core/src/conversations/conversation-order.ts), so live rows fall where the next page would put them. Newest: latest message first. Oldest waiting: the customer waiting
 * longest first, those not waiting after them by newest. Priority: urgent first, then the longest wait.
 * SLA due: soonest due time first, those without a running clock after them by newest (sortBySlaDue).
 */
export function sortConversations(list: readonly ConversationSummary[], sort: SortOrder): ConversationSummary[] {
  const out = [...list].sort(byRecency);
  if (sort === 'newest') return out;
  if (sort === 'sla_due') return sortBySlaDue(out);
  const tieBreak = new Map(out.map((c, i) => [c.id, i]));
  const key = (c: ConversationSummary): number[] => (sort === 'priority' ? [-c.priority, time(c.waitingSince)] : [time(c.waitingSince)]);
  const keys = new Map(out.map((c) => [c.id, key(c)]));
  return out.sort((a, b) => {
    const ka = keys.get(a.id)!;
    const kb = keys.get(b.id)!;
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    return tieBreak.get(a.id)! - tieBreak.get(b.id)!;
  });
}

/** The filters the list endpoint applies itself: all of them. */
export function serverFilters(f: ListFilters): Record<string, string | undefined> {
  return {
    inboxId: f.inboxId,
    teamId: f.teamId,
    channel: f.channel,
    label: f.label,
    priority: f.priority === undefined ? undefined : String(f.priority),
    assigneeId: f.assigneeId,
    sla: f.sla,
  };
}

/**
 * The pages of a tab under filters, in the chosen order: the server sorts and pages by the same key
 * (its cursor stays correct per order), so the first page already holds the top of the list, not
 * merely the newest conversations re-sorted. The tab's own assignee/team rule wins over a contradicting filter.
 */
export function listQuery(tab: Tab, status: StatusFilter, me: Viewer, f: ListFilters, sort: SortOrder = 'newest'): Record<string, string | undefined> {
  const base = queryFor(tab, status, me);
  const extra = serverFilters(f);
  return { ...extra, ...Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)), sort: sort === 'newest' ? undefined : sort };
}

export function selectFiltered(all: Iterable<ConversationSummary>, tab: Tab, status: StatusFilter, me: Viewer, f: ListFilters, sort: SortOrder): ConversationSummary[] {
  const out: ConversationSummary[] = [];
  for (const c of all) if (inTab(c, tab, me) && hasStatus(c, status) && matchesFilters(c, f)) out.push(c);
  return sortConversations(out, sort);
}

type MessageLike = { conversationId: string; kind: string; text: string | null; authorType: LastMessage['authorType']; authorId: string | null; createdAt: string };
type LastMessage = NonNullable<ConversationSummary['lastMessage']>;

/** The preview a live message gives its conversation's row, or null when it does not change it (a note, an activity line, an older message). */
export function previewFromMessage(c: ConversationSummary, m: MessageLike): LastMessage | null {
  if (m.kind === 'note' || m.kind === 'activity') return null;
  if (c.lastMessage && c.lastMessage.createdAt > m.createdAt) return null;
  return { text: (m.text ?? '').slice(0, 200), authorType: m.authorType, authorId: m.authorId, createdAt: m.createdAt };
}
