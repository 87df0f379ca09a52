import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DomainEvent, DomainEvents, MessageRepository, OutboxRepository } from '@inbox/core';
import { TestApp, bootFixture, uid } from './helpers/app';
import { statementsDuring } from './helpers/statements';
import { WebhookRepository } from '../apps/server/src/webhooks/webhook.repository';

/**
 * A message that needs nothing beyond its rows goes in ONE round trip: the storing statement writes
 * its outbox events itself and travels with its BEGIN and COMMIT. What only the database can tell
 * (a redelivery, settings changed since, SLA clocks, contact details to fill) makes the statement
 * refuse: nothing of it stays and the message is stored the usual way, with everything that way does.
 */
describe('ingest in one round trip', () => {
  let sut: TestApp;
  let db: Client;
  let admin: string;
  let inbox: { id: string; token: string };
  const events: DomainEvent[] = [];

  beforeAll(async () => {
    // One connection: the statement is parsed on it once (the first use on a connection parses it
    // on its own), so every later message shows the one round trip.
    ({ sut, admin, db } = await bootFixture({ DATABASE_POOL_SIZE: '1' }));
    inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `One ${uid()}`, channel: 'api' } })).body;
    sut.server.app.get(DomainEvents).subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    await sut?.close();
  });

  const post = (body: unknown) => sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body });
  /** The round trips that carried a storing statement. */
  const storing = (sent: string[]) => sent.filter((t) => /ingest_store/.test(t));
  const oneRoundTrip = (sent: string[]) => {
    const [only, ...more] = storing(sent);
    expect(more).toEqual([]);
    expect(only).toMatch(/^START TRANSACTION;[^]*EXECUTE "ingest_store_commit[^"]*"\([^]*\);\nCOMMIT$/);
    // No outbox INSERT of its own: the statement wrote the events.
    expect(sent.filter((t) => /INSERT INTO outbox_events/.test(t))).toEqual([]);
  };
  const usualWay = (sent: string[]) => {
    expect(storing(sent).some((t) => /ingest_store_commit/.test(t))).toBe(true);
    expect(sent.filter((t) => /INSERT INTO outbox_events/.test(t))).toHaveLength(1);
  };
  /** Learns (the usual way) that messages need no hook under the current settings, the first time a new thread shows it. */
  const warmUp = async () => {
    const identifier = `warm-${uid()}`;
    expect((await post({ externalId: `w1-${identifier}`, contact: { identifier }, text: 'hello' })).status).toBe(201);
    expect((await post({ externalId: `w2-${identifier}`, contact: { identifier }, text: 'again' })).status).toBe(201);
  };

  it('stores a message and its events in one round trip: the events as published, as the outbox holds them and as a fresh read gives them', async () => {
    await warmUp();
    const identifier = `one-${uid()}`;
    const seen = events.length;
    const { result: first, sent } = await statementsDuring(() =>
      post({
        externalId: `a-${identifier}`,
        contact: { identifier, name: 'Ada', email: `${identifier}@example.com` },
        threadKey: 't',
        subject: 'Hi',
        text: 'first words',
        metadata: { k: 'v' },
      }),
    );
    expect(first.status).toBe(201);
    oneRoundTrip(sent);
    const { result: second, sent: sent2 } = await statementsDuring(() =>
      post({ externalId: `b-${identifier}`, contact: { identifier, name: 'Ada' }, threadKey: 't', text: 'second' }),
    );
    expect(second.status).toBe(201);
    expect(second.body.conversationId).toBe(first.body.conversationId);
    oneRoundTrip(sent2);

    const published = events.slice(seen).filter((e) => e.conversationId === first.body.conversationId);
    expect(published.map((e) => e.type)).toEqual(['conversation.created', 'message.created', 'conversation.updated', 'message.created']);
    expect(new Set(published.map((e) => e.batch)).size).toBe(2);
    // The outbox as replicas, reconnecting sockets and webhooks read it: the same events.
    const ds = sut.server.app.get(DataSource);
    const stored = (await sut.server.app.get(OutboxRepository).after(ds.manager, published[0].seq - 1, 10)).filter((e) => e.conversationId === first.body.conversationId);
    expect(stored.map(({ seq, type, conversationId, payload }) => ({ seq, type, conversationId, payload }))).toEqual(
      published.map(({ seq, type, conversationId, payload }) => ({ seq, type, conversationId, payload })),
    );
    // The webhook sweeper's read (events a replica committed and died before filing) maps them too.
    const swept = (await sut.server.app.get(WebhookRepository).settledEventsAfter(ds.manager, published[0].seq - 1, 0, 10)).filter(
      (e) => e.conversationId === first.body.conversationId,
    );
    expect(swept.map((e) => e.payload)).toEqual(published.map((e) => e.payload));
    // And what the usual path (or any reader) builds from a fresh read of the rows.
    const fresh = await sut.server.app.get(MessageRepository).summaries(ds.manager, first.body.conversationId, second.body.messageId);
    expect(published[3].payload).toEqual(fresh.message);
    expect(published[2].payload).toEqual(fresh.conversation);
    expect(fresh.conversation).toMatchObject({ contactName: 'Ada', subject: 'Hi', lastMessage: { text: 'second', authorType: 'contact' } });
    expect(published[1].payload).toMatchObject({ text: 'first words', metadata: { k: 'v' }, externalId: `a-${identifier}`, attachments: [] });
    const contact = (await db.query(`SELECT name, email FROM contacts WHERE id = $1`, [first.body.contactId])).rows[0];
    expect(contact).toEqual({ name: 'Ada', email: `${identifier}@example.com` });
  });

  it('answers a redelivery with the first ids and changes nothing', async () => {
    await warmUp();
    const identifier = `again-${uid()}`;
    const body = { externalId: `r-${identifier}`, contact: { identifier }, text: 'once' };
    const first = await post(body);
    expect(first.status).toBe(201);
    const seq = (await db.query(`SELECT max(seq) AS seq FROM outbox_events`)).rows[0].seq;
    const before = (await db.query(`SELECT updated_at, last_message_at FROM conversations WHERE id = $1`, [first.body.conversationId])).rows[0];
    const { result: again, sent } = await statementsDuring(() => post({ ...body, text: 'a changed copy' }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ conversationId: first.body.conversationId, messageId: first.body.messageId });
    // Refused by the one-round-trip statement, then found stored the usual way.
    expect(storing(sent)[0]).toMatch(/ingest_store_commit/);
    expect((await db.query(`SELECT updated_at, last_message_at FROM conversations WHERE id = $1`, [first.body.conversationId])).rows[0]).toEqual(before);
    expect((await db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE seq > $1`, [seq])).rows[0].n).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [body.externalId])).rows[0].n).toBe(1);
  });

  it('fills a known contact’s missing details the usual way', async () => {
    await warmUp();
    const identifier = `fill-${uid()}`;
    const first = await post({ externalId: `f1-${identifier}`, contact: { identifier }, text: 'no name yet' });
    expect(first.status).toBe(201);
    const seen = events.length;
    const { result, sent } = await statementsDuring(() => post({ externalId: `f2-${identifier}`, contact: { identifier, name: 'Grace' }, text: 'named now' }));
    expect(result.status).toBe(201);
    usualWay(sent);
    expect((await db.query(`SELECT name FROM contacts WHERE id = $1`, [first.body.contactId])).rows[0].name).toBe('Grace');
    const updated = events.slice(seen).find((e) => e.type === 'conversation.updated' && e.conversationId === first.body.conversationId);
    expect(updated?.payload).toMatchObject({ contactName: 'Grace' });
    // Filled: the next message of the same contact needs its rows only again.
    const { sent: next } = await statementsDuring(() => post({ externalId: `f3-${identifier}`, contact: { identifier, name: 'Grace' }, text: 'and again' }));
    oneRoundTrip(next);
  });

  it('follows the settings: a new SLA policy sends the next messages the usual way, with their clocks', async () => {
    await warmUp();
    const identifier = `sla-${uid()}`;
    const before = await post({ externalId: `s0-${identifier}`, contact: { identifier }, threadKey: 'old', text: 'before the policy' });
    expect(before.status).toBe(201);
    const policy = await sut.api('POST', '/sla-policies', { token: admin, body: { name: `SLA ${uid()}`, firstResponseSeconds: 3600 } });
    expect(policy.status).toBe(201);
    try {
      // The settings changed since the server last looked: refused, then stored the usual way, whose hooks start the clocks.
      const { result: opened, sent } = await statementsDuring(() => post({ externalId: `s1-${identifier}`, contact: { identifier }, threadKey: 'new', text: 'after the policy' }));
      expect(opened.status).toBe(201);
      usualWay(sent);
      expect((await db.query(`SELECT sla IS NOT NULL AS clocked FROM conversations WHERE id = $1`, [opened.body.conversationId])).rows[0].clocked).toBe(true);
      // With a policy in force new conversations want the SLA hook: no statement is sent to be refused.
      const { sent: next } = await statementsDuring(() => post({ externalId: `s2-${identifier}`, contact: { identifier }, threadKey: 'old', text: 'into the old thread' }));
      expect(storing(next).some((t) => /ingest_store_commit/.test(t))).toBe(false);
    } finally {
      expect((await sut.api('DELETE', `/sla-policies/${policy.body.id}`, { token: admin })).status).toBeLessThan(300);
    }
    // Without policies again: learnt anew, then one round trip.
    await warmUp();
    const { sent: last } = await statementsDuring(() => post({ externalId: `s3-${identifier}`, contact: { identifier }, threadKey: 'old', text: 'policy gone' }));
    oneRoundTrip(last);
  });
});
