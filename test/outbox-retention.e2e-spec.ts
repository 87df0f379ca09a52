import { Client } from 'pg';
import { TestApp, bootFixture } from './helpers/app';
import { OutboxRetention, OUTBOX_PRUNE_QUEUE } from '../apps/server/src/webhooks/outbox-retention.service';

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

  it('runs every hour, once across replicas (a pg-boss schedule)', async () => {
    const { rows } = await db.query(`SELECT cron FROM pgboss.schedule WHERE name = $1`, [OUTBOX_PRUNE_QUEUE]);
    expect(rows).toEqual([{ cron: '41 * * * *' }]);
  });
});
