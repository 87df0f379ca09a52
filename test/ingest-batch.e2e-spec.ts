import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ConversationRepository, MessageRepository } from '@inbox/core';
import { statementsDuring } from './helpers/statements';
import { TestApp, bootFixture, uid } from './helpers/app';
import { connectSocket } from './helpers/sockets';

/**
 * POST /inboxes/:id/incoming/batch: many messages in one request, each answered in its place
 * with the single endpoint's idempotency, bad items refused alone, and concurrent batches that
 * carry the same external ids storing each message once.
 */
describe('batch ingest (API channel)', () => {
  let sut: TestApp;
  let db: Client;
  let inbox: { id: string; token: string };
  let other: { id: string; token: string };
  let admin: string;

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture({ DATABASE_POOL_SIZE: '8' }));
    inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Batch ${uid()}`, channel: 'api' } })).body;
    other = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Other ${uid()}`, channel: 'api' } })).body;
  });

  afterAll(async () => {
    await sut?.close();
  });

  const batch = (messages: unknown[], opts: { inboxId?: string; token?: string } = {}) =>
    sut.api('POST', `/inboxes/${opts.inboxId ?? inbox.id}/incoming/batch`, { token: opts.token ?? inbox.token, body: { messages } });
  const count = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rows[0].n as number;

  it('stores every item and answers each in its place; the same batch again answers 200 with the same ids', async () => {
    const run = uid();
    const messages = Array.from({ length: 30 }, (_, i) => ({
      externalId: `b-${run}-${i}`,
      contact: { identifier: `c-${run}-${i % 7}`, name: `Customer ${i % 7}` },
      text: `hello ${i}`,
    }));
    const first = await batch(messages);
    expect(first.status).toBe(200);
    expect(first.body.results).toHaveLength(30);
    expect(first.body.results.map((r: { index: number }) => r.index)).toEqual(messages.map((_, i) => i));
    expect(first.body.results.every((r: { status: number }) => r.status === 201)).toBe(true);
    // One conversation per contact (default thread), shared by that contact's messages.
    const byContact = new Map<string, Set<string>>();
    first.body.results.forEach((r: { conversationId: string }, i: number) =>
      byContact.set(messages[i].contact.identifier, (byContact.get(messages[i].contact.identifier) ?? new Set()).add(r.conversationId)),
    );
    expect(byContact.size).toBe(7);
    expect([...byContact.values()].every((s) => s.size === 1)).toBe(true);

    const again = await batch(messages);
    expect(again.status).toBe(200);
    expect(again.body.results.every((r: { status: number }) => r.status === 200)).toBe(true);
    expect(again.body.results.map((r: { messageId: string }) => r.messageId)).toEqual(first.body.results.map((r: { messageId: string }) => r.messageId));

    // The single endpoint sees the batch's messages as already stored, with the same ids.
    const single = await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: messages[3] });
    expect(single.status).toBe(200);
    expect(single.body.messageId).toBe(first.body.results[3].messageId);

    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id LIKE $2`, [inbox.id, `b-${run}-%`])).toBe(30);
    // Events as for single ingest: one message.created per stored message, one conversation.created per new thread.
    const { rows: events } = await db.query(
      `SELECT type, count(*)::int AS n FROM outbox_events WHERE (type = 'message.created' AND payload->>'externalId' LIKE $1) OR (type = 'conversation.created' AND conversation_id = ANY($2::uuid[])) GROUP BY type ORDER BY type`,
      [`b-${run}-%`, [...byContact.values()].map((s) => [...s][0])],
    );
    expect(events).toEqual([
      { type: 'conversation.created', n: 7 },
      { type: 'message.created', n: 30 },
    ]);
  });

  it("numbers a large batch's events as stored: each live event carries the sequence number of its own outbox row", async () => {
    // 40 new threads = 80 events, more than go inline with the COMMIT (OUTBOX_INLINE_MAX).
    const run = uid();
    const live = await connectSocket(sut.url, admin);
    try {
      const messages = Array.from({ length: 40 }, (_, i) => ({ externalId: `n-${run}-${i}`, contact: { identifier: `n-${run}-${i}` }, text: `numbered ${i}` }));
      const res = await batch(messages);
      expect(res.status).toBe(200);
      const ids = new Set(res.body.results.map((r: { messageId: string }) => r.messageId));
      await Promise.all([...ids].map((id) => live.waitFor('message.created', (d) => d.id === id)));
      const told = live.events.filter((e) => e.event === 'message.created' && ids.has(e.payload.data.id));
      const { rows } = await db.query(`SELECT seq::int AS seq, payload FROM outbox_events WHERE type = 'message.created' AND payload->>'externalId' LIKE $1`, [`n-${run}-%`]);
      expect(rows).toHaveLength(40);
      const bySeq = new Map(rows.map((r) => [r.seq, r]));
      expect(told).toHaveLength(40);
      for (const e of told) {
        expect(bySeq.get(e.payload.seq)?.payload.id).toBe(e.payload.data.id);
        expect(bySeq.get(e.payload.seq)?.payload).toEqual(e.payload.data);
      }
    } finally {
      live.close();
    }
  });

  it("keeps one-by-one ingest's details when a batch is written in one statement", async () => {
    const run = uid();
    const ana = `ana-${run}`;
    // An existing contact whose missing email a batch item fills; a new one whose details come
    // from its first item and are filled by a later one; one thread written by both of them.
    const known = await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: `d-${run}-0`, contact: { identifier: ana }, text: 'earlier' } });
    expect(known.status).toBe(201);
    const before = (await db.query(`SELECT max(seq) AS seq FROM outbox_events`)).rows[0].seq;
    const res = await batch([
      { externalId: `d-${run}-1`, contact: { identifier: ana, email: `ana-${run}@example.com` }, text: 'hi again', metadata: { order: 'A-1' } },
      { externalId: `d-${run}-2`, contact: { identifier: `bo-${run}`, name: 'Bo' }, threadKey: `t-${run}`, subject: 'First subject', priority: 2, text: 'one' },
      { externalId: `d-${run}-3`, contact: { identifier: `bo-${run}`, phone: '+3312345678' }, threadKey: `t-${run}`, subject: 'Second subject', priority: 0, text: 'two' },
      { externalId: `d-${run}-4`, contact: { identifier: ana }, threadKey: `t-${run}`, text: 'three, from Ana' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201, 201]);
    const [r1, r2, r3, r4] = res.body.results as Array<{ conversationId: string; messageId: string }>;
    expect(r1.conversationId).toBe(known.body.conversationId);
    expect(new Set([r2.conversationId, r3.conversationId, r4.conversationId]).size).toBe(1);
    expect(r2.conversationId).not.toBe(r1.conversationId);

    const contact = async (identifier: string) =>
      (await db.query(`SELECT c.* FROM contacts c JOIN contact_identities i ON i.contact_id = c.id WHERE i.channel = 'api' AND i.address = $1`, [identifier])).rows[0];
    expect(await contact(ana)).toMatchObject({ email: `ana-${run}@example.com` });
    expect(await contact(`bo-${run}`)).toMatchObject({ name: 'Bo', phone: '+3312345678' });
    // The thread: opened by its first message (contact, subject, priority), last message time of its last.
    const { rows: convs } = await db.query(`SELECT * FROM conversations WHERE id = $1`, [r2.conversationId]);
    expect(convs[0]).toMatchObject({ subject: 'First subject', priority: 2, contact_id: (await contact(`bo-${run}`)).id });
    const { rows: msgs } = await db.query(`SELECT external_id, author_id, metadata, created_at FROM messages WHERE inbox_id = $1 AND external_id LIKE $2 ORDER BY external_id`, [
      inbox.id,
      `d-${run}-%`,
    ]);
    expect(msgs.map((m) => m.external_id)).toEqual([0, 1, 2, 3, 4].map((i) => `d-${run}-${i}`));
    expect(msgs[1].metadata).toEqual({ order: 'A-1' });
    expect(msgs[4].author_id).toBe((await contact(ana)).id);
    expect(convs[0].last_message_at.getTime()).toBe(Math.max(...msgs.slice(2).map((m) => m.created_at.getTime())));
    // Each conversation told once, in its state at commit: created for the new thread, updated for Ana's.
    const { rows: events } = await db.query(
      `SELECT type, conversation_id FROM outbox_events WHERE conversation_id = ANY($1::uuid[]) AND type LIKE 'conversation.%' AND seq > $2 ORDER BY seq`,
      [[r1.conversationId, r2.conversationId], before],
    );
    expect(events.filter((e) => e.conversation_id === r2.conversationId).map((e) => e.type)).toEqual(['conversation.created']);
    expect(events.filter((e) => e.conversation_id === r1.conversationId).map((e) => e.type)).toEqual(['conversation.updated']);
  });

  it("tells a batch's conversations and messages as committed, from its storing statement: each event's summary is what a fresh read gives", async () => {
    const run = uid();
    const old = `s-old-${run}`;
    const known = await sut.api('POST', `/inboxes/${inbox.id}/incoming`, {
      token: inbox.token,
      body: { externalId: `s-${run}-0`, contact: { identifier: old, name: 'Old' }, text: 'before' },
    });
    expect(known.status).toBe(201);
    const before = (await db.query(`SELECT max(seq) AS seq FROM outbox_events`)).rows[0].seq;
    // Which statements the server sends (it runs in this process): the summaries are not read again.
    const { result: res, sent } = await statementsDuring(() =>
      batch([
        { externalId: `s-${run}-1`, contact: { identifier: old }, text: 'an open thread, an existing contact' },
        { externalId: `s-${run}-2`, contact: { identifier: `s-new-${run}`, name: 'New' }, threadKey: `s-t-${run}`, subject: 'Subject', priority: 2, text: 'a new thread' },
        { externalId: `s-${run}-3`, contact: { identifier: `s-new-${run}` }, threadKey: `s-t-${run}`, text: 'its second message' },
        { externalId: `s-${run}-4`, contact: { identifier: old }, text: `the open thread's latest, longer than a summary keeps: ${'x'.repeat(300)}`, metadata: { order: 7 } },
        { externalId: `s-${run}-5`, contact: { identifier: `s-solo-${run}` }, text: 'alone' },
        // One thread, two senders: stored in sender order (Al first), the thread is Zed's (listed first).
        { externalId: `s-${run}-6`, contact: { identifier: `s-z-${run}`, name: 'Zed' }, threadKey: `s-u-${run}`, text: 'Zed opens' },
        { externalId: `s-${run}-7`, contact: { identifier: `s-a-${run}`, name: 'Al' }, threadKey: `s-u-${run}`, text: 'Al joins' },
      ]),
    );
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201, 201, 201, 201, 201]);
    expect(sent.filter((t) => /ingest_store_many/.test(t.slice(0, 60)))).toHaveLength(1);
    expect(sent.filter((t) => /message_summaries_many/.test(t.slice(0, 60)))).toEqual([]);
    const results = res.body.results as Array<{ conversationId: string; messageId: string }>;
    const conversationIds = [...new Set(results.map((r) => r.conversationId))];
    expect(conversationIds).toHaveLength(4);
    expect(results[0].conversationId).toBe(known.body.conversationId);
    const { rows: events } = await db.query(`SELECT type, conversation_id, payload FROM outbox_events WHERE seq > $1 AND conversation_id = ANY($2::uuid[]) ORDER BY seq`, [
      before,
      conversationIds,
    ]);
    // Each conversation told once (in the batch's storing order: by sender), each message once.
    const told = (type: string) => events.filter((e) => e.type === type).map((e) => e.conversation_id);
    expect(told('conversation.updated')).toEqual([results[0].conversationId]);
    expect(told('conversation.created').sort()).toEqual([results[1].conversationId, results[4].conversationId, results[5].conversationId].sort());
    expect(
      events
        .filter((e) => e.type === 'message.created')
        .map((e) => e.payload.id)
        .sort(),
    ).toEqual(results.map((r) => r.messageId).sort());
    const em = sut.server.app.get(DataSource).manager;
    const fresh = await sut.server.app.get(ConversationRepository).summariesOf(em, conversationIds);
    const messages = (
      await sut.server.app.get(MessageRepository).summariesMany(
        em,
        conversationIds,
        results.map((r) => r.messageId),
      )
    ).messages;
    for (const e of events) {
      if (e.type === 'message.created') expect(e.payload).toEqual(JSON.parse(JSON.stringify(messages.get(e.payload.id))));
      else {
        const now = JSON.parse(JSON.stringify(fresh.get(e.conversation_id)));
        // The routing tick may have written a waiting reason since (a later update): all else is as told.
        if (now.updatedAt !== e.payload.updatedAt) expect(Date.parse(now.updatedAt)).toBeGreaterThan(Date.parse(e.payload.updatedAt));
        expect({ ...e.payload, assignmentReason: null, updatedAt: null }).toEqual({ ...now, assignmentReason: null, updatedAt: null });
        if (now.updatedAt === e.payload.updatedAt) expect(e.payload).toEqual(now);
      }
    }
    expect(events.find((e) => e.conversation_id === results[1].conversationId && e.type === 'conversation.created').payload).toMatchObject({
      contactName: 'New',
      subject: 'Subject',
      priority: 2,
    });
    expect(events.find((e) => e.conversation_id === results[5].conversationId && e.type === 'conversation.created').payload).toMatchObject({ contactName: 'Zed' });
  });

  it('refuses a bad item in its place and stores the others', async () => {
    const run = uid();
    const good = (i: number) => ({ externalId: `p-${run}-${i}`, contact: { identifier: `p-${run}` }, text: `ok ${i}` });
    const res = await batch([
      good(0),
      { externalId: `p-${run}-1`, text: 'no contact' },
      good(2),
      // Valid JSON the database cannot store (a NUL character in text).
      { ...good(3), text: 'nul \u0000 inside' },
      'not an object',
      { ...good(5), unknownField: 1 },
      good(6),
      // The same external id twice in one batch: stored once, the second answered as a redelivery.
      good(2),
      // More items the database refuses than the optimistic reruns allow: the rest go item by item.
      ...[8, 9, 10, 11].map((i) => ({ ...good(i), metadata: { note: `nul \u0000 ${i}` } })),
      good(12),
    ]);
    expect(res.status).toBe(200);
    const statuses = res.body.results.map((r: { status: number }) => r.status);
    expect(statuses).toEqual([201, 400, 201, 400, 400, 400, 201, 200, 400, 400, 400, 400, 201]);
    expect(res.body.results[1]).toMatchObject({ index: 1, code: 'VALIDATION_FAILED' });
    expect(res.body.results[1].message).toMatch(/contact/);
    expect(res.body.results[3]).toMatchObject({ index: 3, code: 'VALIDATION_FAILED' });
    expect(res.body.results[7].messageId).toBe(res.body.results[2].messageId);
    const { rows } = await db.query(`SELECT external_id FROM messages WHERE inbox_id = $1 AND external_id LIKE $2 ORDER BY external_id`, [inbox.id, `p-${run}-%`]);
    expect(rows.map((r) => r.external_id)).toEqual([`p-${run}-0`, `p-${run}-12`, `p-${run}-2`, `p-${run}-6`]);
    // The refused NUL item left nothing behind: one conversation for the contact, no stray event.
    expect(await count(`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'message.created' AND payload->>'externalId' LIKE $1`, [`p-${run}-%`])).toBe(4);
  });

  it('refuses the whole request only for what is wrong with the request', async () => {
    const one = [{ externalId: `x-${uid()}`, contact: { identifier: 'x' }, text: 'x' }];
    expect((await batch(one, { token: other.token })).status).toBe(403);
    expect((await batch([])).status).toBe(400);
    const tooMany = Array.from({ length: 501 }, (_, i) => ({ externalId: `t-${i}`, contact: { identifier: 't' }, text: 't' }));
    const refused = await batch(tooMany);
    expect(refused.status).toBe(400);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id LIKE 't-%'`, [inbox.id])).toBe(0);
  });

  it('stores an external id once when two batches carrying it race', async () => {
    const run = uid();
    // Overlapping batches in different orders, new senders shared between them: the lock order
    // and the unique indexes decide, each message is stored once and both answers agree on ids.
    const shared = Array.from({ length: 40 }, (_, i) => ({ externalId: `r-${run}-${i}`, contact: { identifier: `r-${run}-${i % 5}` }, text: `race ${i}` }));
    const a = shared.slice(0, 30);
    const b = [...shared.slice(10)].reverse();
    const answers = await Promise.all([batch(a), batch(b), batch(shared.slice(5, 25)), batch([shared[12]])]);
    for (const r of answers) expect(r.status).toBe(200);
    const all = answers.flatMap((r, k) =>
      r.body.results.map((x: { index: number; status: number; messageId: string; conversationId: string }) => ({
        ...x,
        externalId: [a, b, shared.slice(5, 25), [shared[12]]][k][x.index].externalId,
      })),
    );
    expect(all.every((x) => x.status === 201 || x.status === 200)).toBe(true);
    const byExternal = new Map<string, typeof all>();
    for (const x of all) byExternal.set(x.externalId, [...(byExternal.get(x.externalId) ?? []), x]);
    for (const [, answered] of byExternal) {
      expect(new Set(answered.map((x) => x.messageId)).size).toBe(1);
      expect(answered.filter((x) => x.status === 201)).toHaveLength(1);
    }
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id LIKE $2`, [inbox.id, `r-${run}-%`])).toBe(40);
    expect(await count(`SELECT count(*)::int AS n FROM contact_identities WHERE channel = 'api' AND address LIKE $1`, [`r-${run}-%`])).toBe(5);
    // One open conversation per sender's thread, one message.created event per message.
    expect(await count(`SELECT count(DISTINCT conversation_id)::int AS n FROM messages WHERE inbox_id = $1 AND external_id LIKE $2`, [inbox.id, `r-${run}-%`])).toBe(5);
    expect(await count(`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'message.created' AND payload->>'externalId' LIKE $1`, [`r-${run}-%`])).toBe(40);
    const { rows: orphans } = await db.query(
      `SELECT count(*)::int AS n FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id) AND c.merged_into_id IS NULL`,
    );
    expect(orphans[0].n).toBe(0);
  });

  it('races a batch against single posts of the same messages', async () => {
    const run = uid();
    const messages = Array.from({ length: 12 }, (_, i) => ({ externalId: `s-${run}-${i}`, contact: { identifier: `s-${run}` }, text: `s ${i}` }));
    const [b, ...singles] = await Promise.all([batch(messages), ...messages.map((m) => sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: m }))]);
    expect(b.status).toBe(200);
    messages.forEach((_, i) => {
      expect([200, 201]).toContain(singles[i].status);
      expect(singles[i].body.messageId).toBe(b.body.results[i].messageId);
      expect([singles[i].status, b.body.results[i].status].sort()).toEqual([200, 201]);
    });
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND external_id LIKE $2`, [inbox.id, `s-${run}-%`])).toBe(12);
  });
});
