import { DomainEvents, type AccessChanges, type AccessService, type DomainEvent, type OutboxRepository, type Transactions } from '@inbox/core';
import type { MessageSummary } from '@inbox/realtime-contract';
import { RealtimeFanout } from './realtime-fanout.listener';
import type { QueueStatsService } from './queue-stats.service';
import type { InboxServer } from './realtime.types';

/**
 * The conversation reads a fan-out makes are answered by hand, in the order a test picks, as a
 * loaded pool may answer them; the emits are recorded.
 */
function setUp() {
  const reads: Array<(rows: unknown[]) => void> = [];
  const tx = { manager: { query: () => new Promise<unknown[]>((ok) => reads.push(ok)) } } as unknown as Transactions;
  const emitted: Array<{ event: string; seq: number; rooms: string[] }> = [];
  const io = {
    to: (rooms: string[]) => ({ emit: (event: string, envelope: { seq: number }) => emitted.push({ event, seq: envelope.seq, rooms }) }),
    local: { to: () => ({ emit: () => undefined }) },
  } as unknown as InboxServer;
  const events = new DomainEvents();
  const fanout = new RealtimeFanout(
    tx,
    events,
    {} as OutboxRepository,
    {} as AccessService,
    { subscribe: () => () => undefined } as unknown as AccessChanges,
    { attach: () => undefined } as unknown as QueueStatsService,
  );
  fanout.attach(io);
  return { reads, emitted, events };
}

const reply = (seq: number, status: MessageSummary['status']): DomainEvent =>
  ({ type: 'message.updated', conversationId: 'c1', seq, payload: { id: 'm1', conversationId: 'c1', status } as MessageSummary }) as DomainEvent;

const tick = () => new Promise((ok) => setImmediate(ok));
const row = { inbox_id: 'i1', assignee_id: 'a1', team_id: null, status: 'open' };

describe('RealtimeFanout', () => {
  it("emits commits in their order though the later commit's read came back first", async () => {
    const { reads, emitted, events } = setUp();
    events.publish([reply(1, 'sending')]);
    await tick();
    events.publish([reply(2, 'sent')]);
    await tick();
    expect(reads).toHaveLength(2);
    reads[1]([row]);
    await tick();
    expect(emitted).toEqual([]);
    reads[0]([row]);
    await tick();
    expect(emitted.map((e) => e.seq)).toEqual([1, 2]);
    expect(emitted[0].rooms).toEqual(expect.arrayContaining(['conversation:c1', 'inbox:i1', 'agent:a1']));
  });

  it("finds every event's rooms side by side, of one commit or of later ones", async () => {
    const { reads, events } = setUp();
    events.publish([reply(1, 'sending')]);
    events.publish([reply(2, 'sent')]);
    await tick();
    events.publish([reply(3, 'read')]);
    await tick();
    expect(reads).toHaveLength(3);
  });
});
