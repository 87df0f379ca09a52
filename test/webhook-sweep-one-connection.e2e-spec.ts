import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { startWebhookReceiver } from './helpers/webhook-receiver';
import { WebhookDispatcher } from '../apps/server/src/webhooks/webhook-dispatcher.service';

/**
 * The webhook sweeper holds the cursor's row lock in a transaction; everything it reads or
 * writes meanwhile goes through that transaction's connection. It used to read the
 * subscriptions and the conversations' inboxes through the pool from inside, and to file in a
 * second transaction: with one connection in the pool it waited for a second one until the pool's
 * acquire timeout and failed, while every request waited behind it (5 s, each 15 s).
 */
describe('webhook sweep on a pool of one connection', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let closeReceiver: () => Promise<unknown>;

  beforeAll(async () => {
    // The sweeper's lag far above the test's age: only the backdated events below are settled, and the test calls sweep() itself.
    ({ sut, admin, db } = await bootFixture({ DATABASE_POOL_SIZE: '1', WEBHOOK_SWEEP_LAG_SECONDS: '100000000' }));
  });

  afterAll(async () => {
    await closeReceiver?.();
    await sut?.close();
  });

  const cursor = async () => Number((await db.query(`SELECT last_seq FROM webhook_cursor`)).rows[0].last_seq);
  /**
   * Backdates the outbox events after `seq` past the sweep lag (about four years): the sweeper's
   * to file, up to the last of them, which it returns (events written later are young: the sweep
   * stops before them).
   */
  const settle = async (seq: number) =>
    Number(
      (await db.query(`WITH s AS (UPDATE outbox_events SET created_at = now() - interval '4 years' WHERE seq > $1 RETURNING seq) SELECT max(seq) AS s FROM s`, [seq])).rows[0].s,
    );
  const lastSeq = async () => Number((await db.query(`SELECT coalesce(max(seq), 0) AS s FROM outbox_events`)).rows[0].s);

  it('moves the cursor while no subscription is active, its cache of subscriptions stale', async () => {
    const dispatcher = sut.server.app.get(WebhookDispatcher);
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api' } })).body;
    const before = await lastSeq();
    await db.query(`UPDATE webhook_cursor SET last_seq = $1`, [before]);
    await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: 'hello' } });
    const settled = await settle(before);
    dispatcher.invalidate();

    await dispatcher.sweep();

    expect(await cursor()).toBe(settled);
    expect((await sut.api('GET', '/health')).status).toBe(200);
  });

  it('files the deliveries of settled events and moves the cursor in one transaction, once', async () => {
    const dispatcher = sut.server.app.get(WebhookDispatcher);
    const hooks = await startWebhookReceiver();
    closeReceiver = () => hooks.close();
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api' } })).body;
    const sub = (await sut.api('POST', '/webhooks', { token: admin, body: { url: hooks.url, events: ['message.created'], inboxIds: [inbox.id] } })).body as { id: string };
    const before = await lastSeq();
    await db.query(`UPDATE webhook_cursor SET last_seq = $1`, [before]);
    const sent = [];
    for (let i = 0; i < 3; i++) {
      sent.push(
        (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: uid() }, text: `message ${i}` } })).body
          .messageId as string,
      );
    }
    // The live path files these too; the sweeper's filing of the same events must add nothing.
    await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1`, [sub.id])).rows[0].n === 3);
    const settled = await settle(before);
    dispatcher.invalidate();

    await dispatcher.sweep();

    expect(await cursor()).toBe(settled);
    const filed = await db.query(`SELECT data->>'id' AS message_id FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY event_seq`, [sub.id]);
    expect(filed.rows.map((r) => r.message_id)).toEqual(sent);
    // Filed by the sweeper alone: the live path's rows removed, the events swept again.
    await db.query(`DELETE FROM webhook_deliveries WHERE subscription_id = $1`, [sub.id]);
    await db.query(`UPDATE webhook_cursor SET last_seq = $1`, [before]);

    await dispatcher.sweep();

    const again = await db.query(`SELECT data->>'id' AS message_id FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY event_seq`, [sub.id]);
    expect(again.rows.map((r) => r.message_id)).toEqual(sent);
    expect(await cursor()).toBe(settled);
    await eventually(async () => hooks.received.filter((h) => h.json.event === 'message.created').length >= 3, 15000, 'deliveries sent');
  });
});
