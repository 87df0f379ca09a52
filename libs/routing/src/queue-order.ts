import type { QueuedConversation } from './routing.types';

const MAX_EXACT = 2 ** 53;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Processing order of a routing pass: priority desc, then the earliest SLA due time (none = last),
 * then oldest waitingSince, then id, then input position, so the result never depends on how the
 * caller happened to order the queue.
 *
 * A comparator sort over 10k items is a noticeable slice of a pass, so when the numbers allow it
 * each item is packed into one exactly-representable double (priority rank, wait offset, index)
 * and sorted natively; only runs that tie on priority and wait fall back to the id comparator.
 */
export function queueOrder(queue: readonly QueuedConversation[]): Int32Array {
  const nq = queue.length;
  const order = new Int32Array(nq);
  const priority = new Float64Array(nq);
  const waiting = new Float64Array(nq);
  const due = new Float64Array(nq);
  let anyDue = false;
  let integral = true;
  let minWait = Infinity;
  let maxWait = -Infinity;
  for (let i = 0; i < nq; i++) {
    order[i] = i;
    priority[i] = Number(queue[i].priority) || 0;
    const d = queue[i].slaDueAt;
    due[i] = d !== null && d !== undefined && Number.isFinite(d) ? d : Infinity;
    if (due[i] !== Infinity) anyDue = true;
    const w = queue[i].waitingSince;
    waiting[i] = Number.isFinite(w) ? w : Infinity;
    if (!Number.isInteger(w)) integral = false;
    else {
      if (w < minWait) minWait = w;
      if (w > maxWait) maxWait = w;
    }
  }

  const byDue = (x: number, y: number): number => (due[x] === due[y] ? 0 : due[x] < due[y] ? -1 : 1);
  const before = (x: number, y: number): number => priority[y] - priority[x] || byDue(x, y) || waiting[x] - waiting[y] || compareStrings(queue[x].id, queue[y].id) || x - y;

  // Drivers usually load the queue already ORDER BY priority, waiting_since: nothing to do then.
  let alreadySorted = true;
  for (let i = 1; i < nq && alreadySorted; i++) alreadySorted = before(i - 1, i) < 0;
  if (alreadySorted) return order;
  // SLA due times add a key the packed sort below does not carry: compare directly then.
  if (anyDue) return order.sort(before);

  const distinct = Array.from(new Set(priority)).sort((a, b) => b - a);
  const span = integral ? maxWait - minWait + 1 : Infinity;
  if (!(distinct.length * span * nq < MAX_EXACT)) return order.sort(before);

  const rankOf = new Map<number, number>();
  for (let r = 0; r < distinct.length; r++) rankOf.set(distinct[r], r);
  const keys = new Float64Array(nq);
  for (let i = 0; i < nq; i++) {
    keys[i] = ((rankOf.get(priority[i]) as number) * span + (waiting[i] - minWait)) * nq + i;
  }
  keys.sort();

  let runStart = 0;
  let runGroup = NaN;
  for (let j = 0; j < nq; j++) {
    const idx = keys[j] % nq;
    order[j] = idx;
    const group = keys[j] - idx;
    if (group !== runGroup) {
      if (j - runStart > 1) order.subarray(runStart, j).sort(before);
      runStart = j;
      runGroup = group;
    }
  }
  if (nq - runStart > 1) order.subarray(runStart, nq).sort(before);
  return order;
}
