import { DomainError } from '../errors/domain-error';
import { decodeCursor, encodeCursor } from './cursor';

/**
 * How the conversation list can be ordered, each a total order (the id breaks every tie) so
 * keyset pagination neither skips nor repeats a row:
 * - `newest`: latest message first;
 * - `oldest_waiting`: the customer waiting longest first, those not waiting after them by newest;
 * - `priority`: urgent first, then the longest wait, then newest;
 * - `sla_due`: the soonest running SLA clock first (a paused one has no due time), the rest by newest.
 * The web app's in-memory order (apps/web/src/lib/conversation-filters.ts) is the same.
 */
export const CONVERSATION_SORTS = ['newest', 'oldest_waiting', 'priority', 'sla_due'] as const;
export type ConversationSort = (typeof CONVERSATION_SORTS)[number];

/** SLA states the list filters on; `none` = no service level applies. */
export const CONVERSATION_SLA_FILTERS = ['ok', 'warning', 'breached', 'met', 'none'] as const;
export type ConversationSlaFilter = (typeof CONVERSATION_SLA_FILTERS)[number];

/** The sort key of the last row of a page, exact to the microsecond ('' = no time: sorts last). */
export interface ConversationCursor {
  sort?: ConversationSort;
  lastMessageAt: string;
  id: string;
  priority?: string;
  waiting?: string;
  due?: string;
}

const US_ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const WAITING = `c.waiting_since`;
/** The due time the summary shows: none while no clock runs or the SLA is paused. */
const DUE = `(CASE WHEN c.sla IS NOT NULL AND c.sla_state IS NOT NULL AND c.sla->>'pausedAt' IS NULL THEN c.sla_due_at END)`;

/** Columns the list selects besides the summary, to build the next cursor without losing precision. */
export const ORDER_KEY_COLUMNS = [
  `to_char(c.last_message_at AT TIME ZONE 'UTC', ${US_ISO}) AS k_last`,
  `to_char(${WAITING} AT TIME ZONE 'UTC', ${US_ISO}) AS k_waiting`,
  `to_char(${DUE} AT TIME ZONE 'UTC', ${US_ISO}) AS k_due`,
].join(', ');

export interface OrderKeyRow {
  id: string;
  priority: number | string;
  k_last: string;
  k_waiting: string | null;
  k_due: string | null;
}

type Part = { expr: string; dir: 'ASC' | 'DESC'; cast: string; value: (c: ConversationCursor) => string };
const infinityOr = (v: string | undefined) => (v ? v : 'infinity');
const LAST: Part = { expr: 'c.last_message_at', dir: 'DESC', cast: 'timestamptz', value: (c) => c.lastMessageAt };
const ID: Part = { expr: 'c.id', dir: 'DESC', cast: 'uuid', value: (c) => c.id };
const WAIT: Part = { expr: `coalesce(${WAITING}, 'infinity'::timestamptz)`, dir: 'ASC', cast: 'timestamptz', value: (c) => infinityOr(c.waiting) };
const PRIO: Part = { expr: 'c.priority', dir: 'DESC', cast: 'int', value: (c) => c.priority ?? '0' };
const DUE_PART: Part = { expr: `coalesce(${DUE}, 'infinity'::timestamptz)`, dir: 'ASC', cast: 'timestamptz', value: (c) => infinityOr(c.due) };

const PARTS: Record<ConversationSort, Part[]> = {
  newest: [LAST, ID],
  oldest_waiting: [WAIT, LAST, ID],
  priority: [PRIO, WAIT, LAST, ID],
  sla_due: [DUE_PART, LAST, ID],
};

export function orderBySql(sort: ConversationSort): string {
  return PARTS[sort].map((p) => `${p.expr} ${p.dir}`).join(', ');
}

/**
 * "After the cursor" for a mixed-direction key: (a > x) OR (a = x AND (b < y OR (b = y AND …))).
 * `param` adds a bound value and returns its placeholder.
 */
export function afterCursorSql(sort: ConversationSort, cursor: ConversationCursor, param: (v: unknown) => string): string {
  const parts = PARTS[sort];
  const build = (i: number): string => {
    const p = parts[i];
    const v = `${param(p.value(cursor))}::${p.cast}`;
    const beyond = `${p.expr} ${p.dir === 'ASC' ? '>' : '<'} ${v}`;
    if (i === parts.length - 1) return beyond;
    return `(${beyond} OR (${p.expr} = ${v} AND ${build(i + 1)}))`;
  };
  return build(0);
}

export function cursorAfter(sort: ConversationSort, row: OrderKeyRow): string {
  const base: ConversationCursor = { lastMessageAt: row.k_last, id: row.id };
  // `newest` cursors keep their first shape, which API users may hold.
  if (sort === 'newest') return encodeCursor(base);
  return encodeCursor({ sort, ...base, priority: String(row.priority), waiting: row.k_waiting ?? '', due: row.k_due ?? '' });
}

/** A cursor from the client, checked against the sort it was made for (a cursor of another order would skip rows). */
export function parseListCursor(raw: string, sort: ConversationSort): ConversationCursor {
  const c = decodeCursor<ConversationCursor>(raw);
  const invalid = (why: string) => new DomainError('VALIDATION_FAILED', `cursor is not valid: ${why}`, { fields: { cursor: [why] } });
  if ((c.sort ?? 'newest') !== sort) throw invalid(`made for sort=${c.sort ?? 'newest'}, not sort=${sort}`);
  if (typeof c.lastMessageAt !== 'string') throw invalid('not a cursor returned by this API');
  if (c.priority !== undefined && !/^[0-3]$/.test(c.priority)) throw invalid('not a cursor returned by this API');
  for (const k of ['waiting', 'due'] as const) {
    const v = c[k];
    if (v !== undefined && v !== '' && !(TIME.test(v) && Number.isFinite(Date.parse(v)))) throw invalid('not a cursor returned by this API');
  }
  if (sort !== 'newest' && (c.priority === undefined || c.waiting === undefined || c.due === undefined)) throw invalid('not a cursor returned by this API');
  return c;
}
