import { Client } from 'pg';
import { TestApp, bootFixture, uid } from './helpers/app';

/**
 * The same payloads fired in parallel over many connections must never open two
 * conversations for one thread, duplicate a message, or create a contact twice.
 */
describe('concurrent ingest', () => {
  let sut: TestApp;
  let db: Client;
  let inbox: { id: string; token: string };

  beforeAll(async () => {
    let admin: string;
    ({ sut, admin, db } = await bootFixture({ DATABASE_POOL_SIZE: '24' }));
    inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Race ${uid()}`, channel: 'api' } })).body;
  });

  afterAll(async () => {
    await sut?.close();
  });

  const post = (body: unknown) => sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body });

  it('opens one conversation and stores each message once when identical payloads race', async () => {
    const identifier = `racer-${uid()}`;
    const payloads = Array.from({ length: 6 }, (_, i) => ({ externalId: `race-${identifier}-${i}`, contact: { identifier, name: 'Racer' }, text: `message ${i}` }));
    const copies = payloads.flatMap((p) => Array.from({ length: 8 }, () => p)).sort(() => Math.random() - 0.5);
    const results = await Promise.all(copies.map((p) => post(p)));

    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(results.filter((r) => r.status === 201)).toHaveLength(payloads.length);
    expect(new Set(results.map((r) => r.body.conversationId)).size).toBe(1);
    for (const p of payloads) {
      const ids = new Set(results.filter((r, i) => copies[i].externalId === p.externalId).map((r) => r.body.messageId));
      expect(ids.size).toBe(1);
    }
    const { rows: conv } = await db.query(`SELECT count(*)::int AS n FROM conversations c JOIN contact_identities i ON i.contact_id = c.contact_id WHERE i.address = $1`, [
      identifier,
    ]);
    expect(conv[0].n).toBe(1);
    const { rows: msgs } = await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id LIKE $2`, [inbox.id, `race-${identifier}-%`]);
    expect(msgs[0].n).toBe(payloads.length);
    const { rows: contacts } = await db.query(`SELECT count(*)::int AS n FROM contact_identities WHERE channel = 'api' AND address = $1`, [identifier]);
    expect(contacts[0].n).toBe(1);
    const { rows: orphans } = await db.query(
      `SELECT count(*)::int AS n FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id) AND c.merged_into_id IS NULL`,
    );
    expect(orphans[0].n).toBe(0);
    const { rows: events } = await db.query(`SELECT type, count(*)::int AS n FROM outbox_events WHERE payload->>'externalId' LIKE $1 GROUP BY type`, [`race-${identifier}-%`]);
    expect(events).toEqual([{ type: 'message.created', n: payloads.length }]);
  });

  it('keeps many threads apart when they race together', async () => {
    const threads = Array.from({ length: 10 }, () => `t-${uid()}`);
    const identifier = `multi-${uid()}`;
    const copies = threads.flatMap((t) => Array.from({ length: 4 }, (_, i) => ({ externalId: `${t}-${i % 2}`, threadKey: t, contact: { identifier }, text: 'x' })));
    const results = await Promise.all(copies.map((p) => post(p)));
    expect(results.every((r) => r.status < 300)).toBe(true);
    const byThread = new Map<string, Set<string>>();
    results.forEach((r, i) => byThread.set(copies[i].threadKey, (byThread.get(copies[i].threadKey) ?? new Set()).add(r.body.conversationId)));
    expect([...byThread.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set([...byThread.values()].map((s) => [...s][0])).size).toBe(threads.length);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id LIKE 't-%'`, [inbox.id]);
    expect(rows[0].n).toBe(threads.length * 2);
  });
});
