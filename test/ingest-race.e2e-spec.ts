import { Client } from 'pg';
import { DomainError, IngestService } from '@inbox/core';
import { TestApp, bootFixture, uid } from './helpers/app';
import { statementsDuring } from './helpers/statements';

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

  describe('one message in one statement', () => {
    it('opens its transaction with the storing statement: no precheck round trip before it', async () => {
      const identifier = `one-${uid()}`;
      const { result, sent } = await statementsDuring(() => post({ externalId: `one-${identifier}`, contact: { identifier }, text: 'hello' }));
      expect(result.status).toBe(201);
      expect(sent.filter((t) => /ingest_precheck/.test(t))).toEqual([]);
      // The BEGIN travels with the storing statement (one round trip), the outbox rows with the COMMIT.
      const begin = sent.findIndex((t) => /START TRANSACTION|BEGIN/.test(t));
      expect(begin).toBeGreaterThanOrEqual(0);
      expect(sent[begin]).toMatch(/ingest_store/);
      expect(sent.filter((t) => /ingest_store/.test(t))).toHaveLength(1);
    });

    it('lets a redelivery change nothing: a pending thread stays pending, no event, the first ids answer', async () => {
      const identifier = `redeliver-${uid()}`;
      const body = { externalId: `r-${identifier}`, contact: { identifier, name: 'Once' }, text: 'only once' };
      const first = await post(body);
      expect(first.status).toBe(201);
      await db.query(`UPDATE conversations SET status = 'pending', assignee_id = NULL WHERE id = $1`, [first.body.conversationId]);
      const before = (await db.query(`SELECT status, updated_at, last_message_at, waiting_since FROM conversations WHERE id = $1`, [first.body.conversationId])).rows[0];
      const seq = (await db.query(`SELECT max(seq) AS seq FROM outbox_events`)).rows[0].seq;
      const again = await post({ ...body, text: 'a changed copy' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ conversationId: first.body.conversationId, messageId: first.body.messageId });
      expect((await db.query(`SELECT status, updated_at, last_message_at, waiting_since FROM conversations WHERE id = $1`, [first.body.conversationId])).rows[0]).toEqual(before);
      expect((await db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE seq > $1 AND conversation_id = $2`, [seq, first.body.conversationId])).rows[0].n).toBe(0);
      expect((await db.query(`SELECT text FROM messages WHERE id = $1`, [first.body.messageId])).rows[0].text).toBe('only once');
    });

    it('refuses a message for a missing inbox or an inbox of another channel and writes nothing', async () => {
      const ingest = sut.server.app.get(IngestService);
      const email = (await db.query(`INSERT INTO inboxes (name, channel) VALUES ($1, 'email') RETURNING id`, [`Mail ${uid()}`])).rows[0].id;
      const identifier = `nowhere-${uid()}`;
      const message = { channel: 'api' as const, externalId: `n-${identifier}`, contact: { identifier, name: 'Nobody' }, text: 'lost?' };
      const missing = await ingest.ingest({ ...message, inboxId: '00000000-0000-4000-8000-00000000dead' }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(DomainError);
      expect((missing as DomainError).code).toBe('INBOX_NOT_FOUND');
      const other = await ingest.ingest({ ...message, inboxId: email }).catch((e: unknown) => e);
      expect(other).toBeInstanceOf(DomainError);
      expect((other as DomainError).code).toBe('VALIDATION_FAILED');
      expect((other as DomainError).message).toBe(`inbox ${email} is a email inbox, not api`);
      expect((await db.query(`SELECT count(*)::int AS n FROM contact_identities WHERE address = $1`, [identifier])).rows[0].n).toBe(0);
      expect((await db.query(`SELECT count(*)::int AS n FROM contacts WHERE name = 'Nobody'`)).rows[0].n).toBe(0);
      expect((await db.query(`SELECT count(*)::int AS n FROM conversations WHERE inbox_id = $1`, [email])).rows[0].n).toBe(0);
    });
  });
});
