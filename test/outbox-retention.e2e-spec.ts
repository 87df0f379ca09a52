import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TestApp, bootFixture } from './helpers/app';
import { OutboxRetention, OUTBOX_PRUNE_QUEUE } from '../apps/server/src/webhooks/outbox-retention.service';
import { WebhookDispatcher } from '../apps/server/src/webhooks/webhook-dispatcher.service';
import { WebhookRepository } from '../apps/server/src/webhooks/webhook.repository';

/**
 * The outbox keeps committed events for socket replay and the webhook sweeper, then the hourly
 * prune deletes those past OUTBOX_RETENTION_DAYS, never one the webhook sweeper has not passed.
 */
describe('outbox retention', () => {
  let sut: TestApp;
  let db: Client;

  beforeAll(async () => {
    // A sweep lag longer than the test's old events: the sweeper leaves the cursor where the test puts it.
    ({ sut, db } = await bootFixture({ OUTBOX_RETENTION_DAYS: '7', WEBHOOK_SWEEP_LAG_SECONDS: '100000000' }));
  });

  afterAll(async () => {
    await sut?.close();
  });

  /** `n` events created `daysAgo` days ago; their sequence numbers, in order. */
  const events = async (n: number, daysAgo: number): Promise<number[]> =>
    (
      await db.query(
        `INSERT INTO outbox_events (type, conversation_id, payload, created_at)
         SELECT 'queue.stats', NULL, jsonb_build_object('i', i), now() - make_interval(days => $2) FROM generate_series(1, $1) i RETURNING seq`,
        [n, daysAgo],
      )
    ).rows.map((r) => Number(r.seq));
  const left = async (seqs: number[]) => (await db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE seq = ANY($1::bigint[])`, [seqs])).rows[0].n as number;

  it('deletes events past retention that the webhook sweeper has passed, in chunks, and keeps the rest', async () => {
    // More old events than one chunk (5,000), then a recent one, all behind the cursor; then old
    // events the sweeper has not filed yet.
    const old = await events(12_000, 10);
    const recent = await events(3, 1);
    await db.query(`UPDATE webhook_cursor SET last_seq = $1`, [recent[recent.length - 1]]);
    const unfiled = await events(4, 10);

    const pruned = await sut.server.app.get(OutboxRetention).prune();

    expect(pruned).toBeGreaterThanOrEqual(12_000);
    expect(await left(old)).toBe(0);
    expect(await left(recent)).toBe(3);
    expect(await left(unfiled)).toBe(4);
    // Nothing left to do: a second run deletes nothing.
    expect(await sut.server.app.get(OutboxRetention).prune()).toBe(0);
  });

  it('moves the webhook cursor over settled events without reading their payloads while no subscription is active', async () => {
    await db.query(`UPDATE webhook_cursor SET last_seq = (SELECT coalesce(max(seq), 0) FROM outbox_events)`);
    // Settled (older than the sweep lag, about three years here), then one that is not, then more settled ones.
    const ancient = 365 * 4;
    const settled = await events(7, ancient);
    const young = await events(1, 0);
    await events(2, ancient);
    const repo = sut.server.app.get(WebhookRepository);
    const em = sut.server.app.get(DataSource).manager;
    // What the payload-free read says is what the full read returns.
    const full = await repo.settledEventsAfter(em, settled[0] - 1, 100000000, 500);
    expect(full.map((e) => e.seq)).toEqual(settled);
    expect(await repo.settledSeqAfter(em, settled[0] - 1, 100000000, 500)).toEqual({ last: settled[6], count: 7 });
    expect(await repo.settledSeqAfter(em, settled[0] - 1, 100000000, 3)).toEqual({ last: settled[2], count: 3 });
    expect(await repo.settledSeqAfter(em, young[0], 100000000, 500)).toEqual({ last: young[0] + 2, count: 2 });
    expect(await repo.settledSeqAfter(em, young[0] - 1, 100000000, 500)).toEqual({ last: young[0] - 1, count: 0 });

    const fullReads = jest.spyOn(repo, 'settledEventsAfter');
    try {
      await sut.server.app.get(WebhookDispatcher).sweep();
      // The cursor stops before the young event, as with the full read; no payload was read.
      expect(Number((await db.query(`SELECT last_seq FROM webhook_cursor`)).rows[0].last_seq)).toBe(settled[6]);
      expect(fullReads).not.toHaveBeenCalled();
    } finally {
      fullReads.mockRestore();
    }
    await db.query(`DELETE FROM outbox_events WHERE seq = $1`, [young[0]]);
  });

  it('runs every hour, once across replicas (a pg-boss schedule)', async () => {
    const { rows } = await db.query(`SELECT cron FROM pgboss.schedule WHERE name = $1`, [OUTBOX_PRUNE_QUEUE]);
    expect(rows).toEqual([{ cron: '41 * * * *' }]);
  });
});
