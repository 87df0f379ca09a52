import { mulberry32 } from './engine-bench';
import { queueOrder } from './queue-order';
import type { QueuedConversation } from './routing.types';
import { aConversation, NOW } from './testing/routing.factories';

const sut = queueOrder;

/** The rule, spelled out with a plain comparator sort. */
function expectedOrder(queue: QueuedConversation[]): number[] {
  const p = (c: QueuedConversation) => Number(c.priority) || 0;
  const w = (c: QueuedConversation) => (Number.isFinite(c.waitingSince) ? c.waitingSince : Infinity);
  return queue
    .map((_, i) => i)
    .sort((x, y) => {
      const a = queue[x];
      const b = queue[y];
      return p(b) - p(a) || w(a) - w(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || x - y;
    });
}

function randomQueue(seed: number, waits: (rnd: () => number) => number): QueuedConversation[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: 1 + Math.floor(rnd() * 300) }, () =>
    aConversation({
      id: `c${Math.floor(rnd() * 50)}`, // duplicates on purpose: input position is the last tie-break
      priority: Math.floor(rnd() * 4),
      waitingSince: waits(rnd),
    }),
  );
}

describe('queueOrder', () => {
  it('puts the earliest SLA due time first within a priority, conversations without SLA last', () => {
    const queue = [
      aConversation({ id: 'no-sla-oldest', priority: 1, waitingSince: NOW - 500 }),
      aConversation({ id: 'due-later', priority: 1, waitingSince: NOW - 10, slaDueAt: NOW + 900 }),
      aConversation({ id: 'due-soon', priority: 1, waitingSince: NOW, slaDueAt: NOW + 100 }),
      aConversation({ id: 'high', priority: 2, waitingSince: NOW }),
      aConversation({ id: 'due-later-older', priority: 1, waitingSince: NOW - 20, slaDueAt: NOW + 900 }),
    ];
    expect(Array.from(sut(queue), (i) => queue[i].id)).toEqual(['high', 'due-soon', 'due-later-older', 'due-later', 'no-sla-oldest']);
  });

  it('orders by priority desc, then oldest first, then id', () => {
    const queue = [
      aConversation({ id: 'b', priority: 1, waitingSince: NOW - 10 }),
      aConversation({ id: 'a', priority: 1, waitingSince: NOW - 10 }),
      aConversation({ id: 'urgent', priority: 3, waitingSince: NOW }),
      aConversation({ id: 'old', priority: 1, waitingSince: NOW - 99 }),
    ];
    expect(Array.from(sut(queue), (i) => queue[i].id)).toEqual(['urgent', 'old', 'a', 'b']);
  });

  it('keeps an already ordered queue as it is', () => {
    const queue = [aConversation({ id: 'a', priority: 2 }), aConversation({ id: 'b', priority: 1 })];
    expect(Array.from(sut(queue))).toEqual([0, 1]);
  });

  it('treats a missing priority as 0 and an unknown waiting time as the newest', () => {
    const queue = [
      aConversation({ id: 'nan-wait', priority: 0, waitingSince: NaN }),
      aConversation({ id: 'nan-priority', priority: NaN, waitingSince: NOW }),
      aConversation({ id: 'low', priority: 0, waitingSince: NOW - 1 }),
    ];
    expect(Array.from(sut(queue), (i) => queue[i].id)).toEqual(['low', 'nan-priority', 'nan-wait']);
  });

  it.each([
    ['narrow integer waits with many ties', (rnd: () => number) => NOW - Math.floor(rnd() * 5)],
    ['wide integer waits', (rnd: () => number) => NOW - Math.floor(rnd() * 1e9)],
    ['fractional waits', (rnd: () => number) => NOW - rnd() * 1000],
    ['waits too far apart to pack into one number', (rnd: () => number) => (rnd() < 0.5 ? 0 : 2 ** 52)],
  ])('matches a plain comparator sort for %s', (_label, waits) => {
    for (let seed = 1; seed <= 20; seed++) {
      const queue = randomQueue(seed, waits);
      expect(Array.from(sut(queue))).toEqual(expectedOrder(queue));
    }
  });
});
