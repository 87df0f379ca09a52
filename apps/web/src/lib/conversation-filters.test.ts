import { describe, expect, it } from 'vitest';
import type { ConversationSummary } from '../api/types';
import { inTab, queryFor, selectConversations, type Tab } from './conversation-filters';

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
