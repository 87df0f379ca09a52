import { describe, expect, it } from 'vitest';
import type { ConversationSummary } from '../api/types';
import {
  filtersFromParams,
  filtersToParams,
  inTab,
  listQuery,
  matchesFilters,
  previewFromMessage,
  queryFor,
  selectConversations,
  sortConversations,
  type ListFilters,
  type SortOrder,
  type Tab,
} from './conversation-filters';

const me = { id: 'me', teamIds: ['t1'] };
const conv = (o: Partial<ConversationSummary>): ConversationSummary =>
  ({ id: o.id ?? 'c', status: 'open', assigneeId: null, teamId: null, lastMessageAt: '2026-11-30T10:00:00.000Z', ...o }) as ConversationSummary;

describe('inTab', () => {
  const cases: Array<[string, Partial<ConversationSummary>, Tab, boolean]> = [
    ['mine: assigned to me', { assigneeId: 'me' }, 'mine', true],
    ['mine: assigned to someone else', { assigneeId: 'other' }, 'mine', false],
    ['unassigned: nobody', { assigneeId: null }, 'unassigned', true],
    ['unassigned: assigned', { assigneeId: 'me' }, 'unassigned', false],
    ['team: my team', { teamId: 't1', assigneeId: 'other' }, 'team', true],
    ['team: another team', { teamId: 't2' }, 'team', false],
    ['team: no team', { teamId: null }, 'team', false],
    ['all: anything', { assigneeId: 'other', teamId: 't9' }, 'all', true],
  ];
  it.each(cases)('%s', (_n, c, tab, expected) => expect(inTab(conv(c), tab, me)).toBe(expected));
});

describe('selectConversations', () => {
  it('filters by tab and status and sorts newest first', () => {
    const list = [
      conv({ id: 'a', assigneeId: 'me', lastMessageAt: '2026-11-30T09:00:00.000Z' }),
      conv({ id: 'b', assigneeId: 'me', lastMessageAt: '2026-11-30T11:00:00.000Z' }),
      conv({ id: 'c', assigneeId: 'me', status: 'resolved' }),
      conv({ id: 'd', assigneeId: 'other' }),
      conv({ id: 'e', assigneeId: 'me', status: 'bot' }),
    ];
    expect(selectConversations(list, 'mine', 'open', me).map((c) => c.id)).toEqual(['b', 'e', 'a']);
    expect(selectConversations(list, 'mine', 'resolved', me).map((c) => c.id)).toEqual(['c']);
    expect(selectConversations(list, 'all', 'all', me)).toHaveLength(5);
  });

  it('moves a conversation between tabs when its assignee changes', () => {
    const c = conv({ id: 'x', assigneeId: 'me' });
    expect(selectConversations([c], 'mine', 'open', me)).toHaveLength(1);
    const moved = { ...c, assigneeId: 'other' };
    expect(selectConversations([moved], 'mine', 'open', me)).toHaveLength(0);
  });
});

describe('queryFor', () => {
  it('maps tabs to REST filters', () => {
    expect(queryFor('mine', 'open', me)).toEqual({ status: 'open,bot', assigneeId: 'me', teamId: undefined });
    expect(queryFor('unassigned', 'all', me)).toEqual({ status: undefined, assigneeId: 'none', teamId: undefined });
    expect(queryFor('team', 'pending', me)).toEqual({ status: 'pending', assigneeId: undefined, teamId: 't1' });
  });
});

describe('list filters in the URL', () => {
  const inbox = '11111111-1111-4111-8111-111111111111';
  const agent = '22222222-2222-4222-8222-222222222222';

  it('reads every filter and the sort back from what it wrote', () => {
    const filters: ListFilters = { inboxId: inbox, teamId: agent, channel: 'webchat', label: 'vip', priority: 3, assigneeId: 'none', sla: 'breached' };
    const params = filtersToParams(new URLSearchParams('tab=all&status=open'), filters, 'priority');
    expect(params.get('tab')).toBe('all');
    expect(filtersFromParams(params)).toEqual({ filters, sort: 'priority' });
  });

  it('leaves no trace of defaults and removes cleared filters', () => {
    const params = filtersToParams(new URLSearchParams('channel=email&sort=priority'), {}, 'newest');
    expect(params.toString()).toBe('');
  });

  it.each([
    ['inboxId=not-a-uuid', {}],
    ['channel=carrier-pigeon', {}],
    ['priority=7', {}],
    ['priority=2', { priority: 2 }],
    ['assigneeId=none', { assigneeId: 'none' }],
    ['assigneeId=bob', {}],
    ['sla=late', {}],
    ['sla=none', { sla: 'none' }],
  ])('drops malformed values: %s', (query, filters) => expect(filtersFromParams(new URLSearchParams(query)).filters).toEqual(filters));

  it('falls back to newest for an unknown sort', () => expect(filtersFromParams(new URLSearchParams('sort=random')).sort).toBe('newest'));
});

describe('matchesFilters', () => {
  const sla = (state: 'ok' | 'breached') => ({ state, dueAt: null }) as unknown as ConversationSummary['sla'];
  const c = conv({ inboxId: 'i1', teamId: 't1', channel: 'email', labels: ['vip'], priority: 2, assigneeId: 'a1', sla: sla('breached') });
  it.each<[string, ListFilters, boolean]>([
    ['no filter', {}, true],
    ['same inbox', { inboxId: 'i1' }, true],
    ['other inbox', { inboxId: 'i2' }, false],
    ['same team', { teamId: 't1' }, true],
    ['other team', { teamId: 't2' }, false],
    ['same channel', { channel: 'email' }, true],
    ['other channel', { channel: 'webchat' }, false],
    ['has label', { label: 'vip' }, true],
    ['lacks label', { label: 'billing' }, false],
    ['same priority', { priority: 2 }, true],
    ['other priority', { priority: 3 }, false],
    ['same assignee', { assigneeId: 'a1' }, true],
    ['wants unassigned', { assigneeId: 'none' }, false],
    ['same SLA state', { sla: 'breached' }, true],
    ['other SLA state', { sla: 'ok' }, false],
    ['wants no SLA', { sla: 'none' }, false],
    ['all of them at once', { inboxId: 'i1', teamId: 't1', channel: 'email', label: 'vip', priority: 2, assigneeId: 'a1', sla: 'breached' }, true],
  ])('%s', (_n, f, expected) => expect(matchesFilters(c, f)).toBe(expected));

  it('matches unassigned and SLA-less conversations', () => {
    const bare = conv({ assigneeId: null, sla: null, labels: [] });
    expect(matchesFilters(bare, { assigneeId: 'none', sla: 'none' })).toBe(true);
  });
});

describe('sortConversations', () => {
  const at = (h: number) => `2026-11-30T${String(h).padStart(2, '0')}:00:00.000Z`;
  const list = [
    conv({ id: 'a', lastMessageAt: at(9), waitingSince: at(8), priority: 1 }),
    conv({ id: 'b', lastMessageAt: at(11), waitingSince: null, priority: 3 }),
    conv({ id: 'c', lastMessageAt: at(10), waitingSince: at(6), priority: 1, sla: { dueAt: at(12) } as ConversationSummary['sla'] }),
    conv({ id: 'd', lastMessageAt: at(12), waitingSince: at(7), priority: 3, sla: { dueAt: at(10) } as ConversationSummary['sla'] }),
  ];
  it.each<[SortOrder, string[]]>([
    ['newest', ['d', 'b', 'c', 'a']],
    ['oldest_waiting', ['c', 'd', 'a', 'b']],
    ['priority', ['d', 'b', 'c', 'a']],
    ['sla_due', ['d', 'c', 'b', 'a']],
  ])('%s', (sort, ids) => expect(sortConversations(list, sort).map((c) => c.id)).toEqual(ids));

  it('does not reorder its input', () => {
    sortConversations(list, 'priority');
    expect(list.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('listQuery', () => {
  it('sends server-side filters and lets the tab win over a contradicting assignee filter', () => {
    expect(listQuery('mine', 'open', me, { channel: 'email', priority: 0, assigneeId: 'none', sla: 'breached' })).toEqual({
      inboxId: undefined,
      teamId: undefined,
      channel: 'email',
      label: undefined,
      priority: '0',
      assigneeId: 'me',
      status: 'open,bot',
      sla: 'breached',
      sort: undefined,
    });
    expect(listQuery('all', 'all', me, { assigneeId: 'none' }).assigneeId).toBe('none');
  });

  it.each<[string, Record<string, string | undefined>]>([
    ['sort=oldest_waiting', { sort: 'oldest_waiting', sla: undefined }],
    ['sort=sla_due&sla=warning', { sort: 'sla_due', sla: 'warning' }],
    ['sort=priority&sla=none', { sort: 'priority', sla: 'none' }],
    ['sla=breached', { sort: undefined, sla: 'breached' }],
    ['sort=bogus&sla=late', { sort: undefined, sla: undefined }],
  ])('asks the server for the order and SLA state the URL holds: %s', (query, expected) => {
    const { filters, sort } = filtersFromParams(new URLSearchParams(query));
    const q = listQuery('all', 'all', me, filters, sort);
    expect({ sort: q.sort, sla: q.sla }).toEqual(expected);
    // And back: the URL written from what was read is the URL's own list part.
    expect(filtersFromParams(filtersToParams(new URLSearchParams(), filters, sort))).toEqual({ filters, sort });
  });
});

describe('previewFromMessage', () => {
  const m = (o: Partial<Parameters<typeof previewFromMessage>[1]>) => ({
    conversationId: 'c',
    kind: 'message',
    text: 'Hello',
    authorType: 'contact' as const,
    authorId: null,
    createdAt: at2(10),
    ...o,
  });
  const at2 = (h: number) => `2026-11-30T${h}:00:00.000Z`;
  it('takes a newer customer or agent message', () => {
    expect(previewFromMessage(conv({ lastMessage: null }), m({}))).toEqual({ text: 'Hello', authorType: 'contact', authorId: null, createdAt: at2(10) });
  });
  it('ignores notes, activity lines and older messages', () => {
    expect(previewFromMessage(conv({}), m({ kind: 'note' }))).toBeNull();
    expect(previewFromMessage(conv({}), m({ kind: 'activity' }))).toBeNull();
    const newer = conv({ lastMessage: { text: 'later', authorType: 'user', authorId: 'x', createdAt: at2(11) } });
    expect(previewFromMessage(newer, m({}))).toBeNull();
  });
});
