import type { ConversationSummary } from '../api/types';

/** Soonest SLA due time first; conversations without a running SLA keep their order after them. */
export function sortBySlaDue(list: readonly ConversationSummary[]): ConversationSummary[] {
  const due = (c: ConversationSummary) => (c.sla?.dueAt ? Date.parse(c.sla.dueAt) : Infinity);
  return list
    .map((c, i) => ({ c, i, d: due(c) }))
    .sort((a, b) => (a.d === b.d ? a.i - b.i : a.d < b.d ? -1 : 1))
    .map((x) => x.c);
}
