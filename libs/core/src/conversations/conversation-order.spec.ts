import { DomainError } from '../errors/domain-error';
import { afterCursorSql, cursorAfter, orderBySql, parseListCursor } from './conversation-order';
import { decodeCursor } from './cursor';

const ID = '11111111-1111-4111-8111-111111111111';
const row = { id: ID, priority: 2, k_last: '2026-01-01T10:05:00.000100Z', k_waiting: null, k_due: '2026-01-01T10:30:00.000000Z' };

describe('conversation order', () => {
  it('keeps the first cursor shape for newest, so cursors API users hold still work', () => {
    const sut = decodeCursor<Record<string, string>>(cursorAfter('newest', row));
    expect(sut).toEqual({ lastMessageAt: row.k_last, id: ID });
    expect(parseListCursor(cursorAfter('newest', row), 'newest')).toEqual(sut);
  });

  it.each(['oldest_waiting', 'priority', 'sla_due'] as const)('round-trips a %s cursor with its sort, microseconds and "no time" kept', (sort) => {
    const sut = parseListCursor(cursorAfter(sort, row), sort);
    expect(sut).toEqual({ sort, lastMessageAt: row.k_last, id: ID, priority: '2', waiting: '', due: row.k_due });
  });

  it.each([
    ['a cursor of another order', cursorAfter('priority', row), 'sla_due'],
    ['a newest cursor for another order', cursorAfter('newest', row), 'priority'],
    [
      'a priority out of range',
      Buffer.from(JSON.stringify({ sort: 'priority', lastMessageAt: row.k_last, id: ID, priority: '7', waiting: '', due: '' })).toString('base64url'),
      'priority',
    ],
    [
      'a time that is not one',
      Buffer.from(JSON.stringify({ sort: 'sla_due', lastMessageAt: row.k_last, id: ID, priority: '1', waiting: 'soon', due: '' })).toString('base64url'),
      'sla_due',
    ],
    ['a sorted cursor missing its keys', Buffer.from(JSON.stringify({ sort: 'sla_due', lastMessageAt: row.k_last, id: ID })).toString('base64url'), 'sla_due'],
    ['garbage', 'not-base64-json', 'newest'],
  ] as const)('refuses %s, naming the cursor', (_name, raw, sort) => {
    let err: unknown;
    try {
      parseListCursor(raw, sort);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).details).toMatchObject({ fields: { cursor: expect.any(Array) } });
  });

  it('orders mixed directions and compares the cursor per direction, the id last', () => {
    expect(orderBySql('priority')).toMatch(/^c\.priority DESC, coalesce\(c\.waiting_since, 'infinity'::timestamptz\) ASC, c\.last_message_at DESC, c\.id DESC$/);
    const params: unknown[] = [];
    const sql = afterCursorSql('oldest_waiting', parseListCursor(cursorAfter('oldest_waiting', row), 'oldest_waiting'), (v) => {
      params.push(v);
      return `$${params.length}`;
    });
    expect(sql).toContain(`coalesce(c.waiting_since, 'infinity'::timestamptz) > $1::timestamptz`);
    expect(sql).toContain('c.last_message_at < $2::timestamptz');
    expect(sql).toContain('c.id < $3::uuid');
    expect(params).toEqual(['infinity', row.k_last, ID]);
  });
});
