import { TestApp, bootApp, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';

/**
 * @mentions in private notes: recorded with the note, told to the mentioned user alone over a
 * real socket, listed and marked read through REST; nobody outside the inbox can be named.
 */
describe('mentions in private notes', () => {
  let sut: TestApp;
  let admin: string;
  const sockets: RecordingSocket[] = [];

  beforeAll(async () => {
    sut = await bootApp();
    admin = await sut.login();
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()!.close();
  });

  afterAll(async () => {
    await sut?.close();
  });

  const connect = async (token: string) => {
    const s = await connectSocket(sut.url, token);
    sockets.push(s);
    return s;
  };

  async function user(role: 'agent' | 'coordinator', name = `${role} ${uid()}`) {
    const email = `${role}-${uid()}@example.com`;
    const res = await sut.api('POST', '/users', { token: admin, body: { email, name, password: 'a-password-1', role } });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, name, token: await sut.login(email, 'a-password-1') };
  }

  /** An inbox with agents A and B as members, C an agent outside it, a coordinator, and one conversation. */
  async function scene() {
    const ib = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api' } })).body as { id: string; token: string };
    const [a, b, c, coord] = [await user('agent', `Ana ${uid()}`), await user('agent', `Bo ${uid()}`), await user('agent'), await user('coordinator')];
    for (const m of [a, b]) expect((await sut.api('POST', `/inboxes/${ib.id}/members`, { token: admin, body: { userId: m.id } })).status).toBeLessThan(300);
    const conv = await sut.api('POST', `/inboxes/${ib.id}/incoming`, {
      token: ib.token,
      body: { externalId: uid(), contact: { identifier: `c-${uid()}`, name: 'Carla Customer' }, text: 'hello' },
    });
    expect(conv.status).toBe(201);
    return { ib, a, b, c, coord, conversationId: conv.body.conversationId as string };
  }

  const note = (token: string, conversationId: string, body: Record<string, unknown>) =>
    sut.api('POST', `/conversations/${conversationId}/messages`, { token, body: { private: true, ...body } });

  it('tells the mentioned teammate alone, lists the mention and marks it read', async () => {
    const s = await scene();
    const [sockA, sockB, sockCoord] = [await connect(s.a.token), await connect(s.b.token), await connect(s.coord.token)];

    const res = await note(s.a.token, s.conversationId, { text: `@${s.b.name} can you check the refund?`, mentions: [s.b.id] });
    expect(res.status).toBe(201);
    expect(res.body.metadata.mentions).toEqual([{ userId: s.b.id, name: s.b.name }]);

    const mention = await sockB.waitFor('mention.created', (d) => d.messageId === res.body.id);
    expect(mention).toMatchObject({
      conversationId: s.conversationId,
      userId: s.b.id,
      authorId: s.a.id,
      authorName: s.a.name,
      readAt: null,
      conversation: { id: s.conversationId, inboxId: s.ib.id, contactName: 'Carla Customer' },
    });
    expect(mention.excerpt).toContain('can you check the refund?');
    // The note's own message.created is published after the mention in the same commit, and one
    // socket receives in order: once A and the coordinator have it, a mention for them would have come.
    await sockA.waitFor('message.created', (d) => d.id === res.body.id);
    await sockCoord.waitFor('message.created', (d) => d.id === res.body.id);
    expect(sockA.events.filter((e) => e.event === 'mention.created')).toEqual([]);
    expect(sockCoord.events.filter((e) => e.event === 'mention.created')).toEqual([]);

    // Replay from the outbox follows the same rule.
    const replayA = await sockA.emit('events.replay', { afterSeq: 0 });
    expect(replayA.ok).toBe(true);
    expect(sockA.events.filter((e) => e.event === 'mention.created')).toEqual([]);

    const list = await sut.api('GET', '/mentions?unread=true', { token: s.b.token });
    expect(list.status).toBe(200);
    expect(list.body.unread).toBe(1);
    expect(list.body.items.map((m: { id: string }) => m.id)).toEqual([mention.id]);
    expect((await sut.api('GET', '/mentions', { token: s.a.token })).body.items).toEqual([]);

    // Someone else cannot mark B's mention read.
    expect((await sut.api('POST', '/mentions/read', { token: s.a.token, body: { ids: [mention.id] } })).body.read).toEqual([]);
    const read = await sut.api('POST', '/mentions/read', { token: s.b.token, body: { conversationId: s.conversationId } });
    expect(read.status).toBe(200);
    expect(read.body.read).toEqual([mention.id]);
    const told = await sockB.waitFor('mention.read');
    expect(told).toMatchObject({ userId: s.b.id, ids: [mention.id] });
    // Idempotent: marking again changes nothing.
    expect((await sut.api('POST', '/mentions/read', { token: s.b.token, body: { ids: [mention.id] } })).body.read).toEqual([]);

    const after = await sut.api('GET', '/mentions?unread=true', { token: s.b.token });
    expect(after.body).toMatchObject({ items: [], unread: 0 });
    const all = await sut.api('GET', '/mentions', { token: s.b.token });
    expect(all.body.items).toHaveLength(1);
    expect(all.body.items[0].readAt).not.toBeNull();
  });

  it('refuses to name someone who cannot see the inbox, an unknown user, or a mention outside a note', async () => {
    const s = await scene();
    const outside = await note(s.a.token, s.conversationId, { text: `@${s.b.name} @someone`, mentions: [s.b.id, s.c.id] });
    expect(outside.status).toBe(400);
    expect(Object.keys(outside.body.details.fields)).toEqual(['mentions[1]']);

    const unknown = await note(s.a.token, s.conversationId, { text: '@ghost', mentions: ['6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f'] });
    expect(unknown.status).toBe(400);
    expect(Object.keys(unknown.body.details.fields)).toEqual(['mentions[0]']);

    const notUuid = await note(s.a.token, s.conversationId, { text: '@x', mentions: ['nope'] });
    expect(notUuid.status).toBe(400);
    expect(Object.keys(notUuid.body.details.fields)).toEqual(['mentions']);

    const reply = await sut.api('POST', `/conversations/${s.conversationId}/messages`, { token: s.a.token, body: { text: `@${s.b.name}`, mentions: [s.b.id] } });
    expect(reply.status).toBe(400);
    expect(Object.keys(reply.body.details.fields)).toEqual(['mentions']);

    // Nothing was written by the refused notes.
    expect((await sut.api('GET', '/mentions', { token: s.b.token })).body.items).toEqual([]);
    const messages = await sut.api('GET', `/conversations/${s.conversationId}/messages`, { token: admin });
    expect(messages.body.items.filter((m: { kind: string }) => m.kind === 'note')).toEqual([]);

    // A coordinator sees every inbox, so can be named; one's own name and repeats are recorded once, never for oneself.
    const ok = await note(s.a.token, s.conversationId, { text: 'hi all', mentions: [s.coord.id, s.a.id, s.coord.id] });
    expect(ok.status).toBe(201);
    expect(ok.body.metadata.mentions).toEqual([{ userId: s.coord.id, name: s.coord.name }]);
    expect((await sut.api('GET', '/mentions', { token: s.a.token })).body.items).toEqual([]);
    expect((await sut.api('GET', '/mentions', { token: s.coord.token })).body.items).toHaveLength(1);
  });

  it('offers the composer exactly the teammates a note can name', async () => {
    const s = await scene();
    const res = await sut.api('GET', `/conversations/${s.conversationId}/mentionable`, { token: s.a.token });
    expect(res.status).toBe(200);
    const ids = res.body.map((u: { id: string }) => u.id);
    expect(ids).toEqual(expect.arrayContaining([s.b.id, s.coord.id]));
    expect(ids).not.toContain(s.a.id);
    expect(ids).not.toContain(s.c.id);
    // C is not a member: the conversation itself is closed to them.
    expect((await sut.api('GET', `/conversations/${s.conversationId}/mentionable`, { token: s.c.token })).status).toBe(403);
  });

  it('keeps the server in charge of metadata.mentions, and pages newest first', async () => {
    const s = await scene();
    const forged = await note(s.a.token, s.conversationId, { text: 'no one', metadata: { mentions: [{ userId: s.c.id, name: 'forged' }] } });
    expect(forged.status).toBe(201);
    expect(forged.body.metadata.mentions).toBeUndefined();

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await note(s.a.token, s.conversationId, { text: `@${s.b.name} ${i}`, mentions: [s.b.id] })).body.id);
    const first = await sut.api('GET', '/mentions?limit=2', { token: s.b.token });
    expect(first.body.items.map((m: { messageId: string }) => m.messageId)).toEqual([ids[2], ids[1]]);
    expect(first.body.unread).toBe(3);
    const second = await sut.api('GET', `/mentions?limit=2&cursor=${first.body.nextCursor}`, { token: s.b.token });
    expect(second.body.items.map((m: { messageId: string }) => m.messageId)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
    expect((await sut.api('GET', '/mentions?cursor=garbage', { token: s.b.token })).status).toBe(400);
    expect((await sut.api('POST', '/mentions/read', { token: s.b.token, body: {} })).status).toBe(400);
  });

  it('is not for bots: they cannot mention nor read mentions', async () => {
    const s = await scene();
    const bot = (await sut.api('POST', '/bots', { token: admin, body: { name: `Bot ${uid()}` } })).body.token as string;
    expect((await note(bot, s.conversationId, { text: '@Bo', mentions: [s.b.id] })).status).toBe(403);
    expect((await note(bot, s.conversationId, { text: 'a plain bot note' })).status).toBe(201);
    expect((await sut.api('GET', '/mentions', { token: bot })).status).toBe(403);
  });
});
