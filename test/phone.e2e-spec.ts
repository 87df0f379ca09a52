import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';

/** Phone calls end to end: a telephony system reporting calls with the inbox token over real HTTP, real sockets, routing and PostgreSQL. */
describe('Phone channel (calls in the timeline)', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  const sockets: RecordingSocket[] = [];
  let inbox: { id: string; token: string; settings: Record<string, unknown> };
  let agent: { id: string; token: string; email: string };
  let team: { id: string };

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture());
    team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Phone ${uid()}` } })).body;
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Support line', channel: 'phone', number: '+380 44 123 4567', teamId: team.id } });
    expect(res.status).toBe(201);
    inbox = res.body;
    const email = `agent-${uid()}@example.com`;
    const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Ana', password: 'agent-password', role: 'agent', capacity: { phone: 2 } } })).body;
    await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: user.id } });
    await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
    agent = { id: user.id, email, token: await sut.login(email, 'agent-password') };
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()!.close();
  });

  afterAll(async () => {
    await sut?.close();
  });

  const report = (body: Record<string, unknown>, token = inbox.token) => sut.api('POST', `/inboxes/${inbox.id}/calls`, { token, body });
  const caller = (n: string) => ({ identifier: `+38067${n}`, name: `Caller ${n}`, phone: `+38067${n}` });
  const at = (s: number) => new Date(Date.UTC(2025, 5, 2, 9, 0, s)).toISOString();

  it('creates the inbox with a token shown once and the number; a bad number is a 400 naming it', async () => {
    expect(inbox.token).toMatch(/^inb_/);
    expect(inbox.settings).toEqual({ number: '+380 44 123 4567' });
    expect((await sut.api('GET', `/inboxes/${inbox.id}`, { token: admin })).body.token).toBeUndefined();
    const bad = await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Bad', channel: 'phone', number: 'call me' } });
    expect([bad.status, bad.body.code, Object.keys(bad.body.details.fields)]).toEqual([400, 'VALIDATION_FAILED', ['number']]);
  });

  it('a call reported ringing → in-progress → completed is one entry with its duration, agent and recording', async () => {
    const externalId = `call-${uid()}`;
    const c = caller('1110001');
    const ringing = await report({ externalId, direction: 'inbound', contact: c, status: 'ringing', startedAt: at(0) });
    expect(ringing.status).toBe(201);
    const answered = await report({ externalId, direction: 'inbound', contact: c, status: 'in-progress', startedAt: at(0), answeredAt: at(8), agentEmail: agent.email });
    const completed = await report({
      externalId,
      direction: 'inbound',
      contact: c,
      status: 'completed',
      startedAt: at(0),
      answeredAt: at(8),
      endedAt: at(200),
      recordingUrl: 'https://pbx.example.com/recordings/1.mp3',
      transcript: 'Hello, I am calling about my invoice…',
      notes: 'Invoice 4471',
    });
    expect([answered.status, completed.status]).toEqual([200, 200]);
    expect(completed.body.conversationId).toBe(ringing.body.conversationId);
    expect(completed.body.messageId).toBe(ringing.body.messageId);

    const rows = (await db.query(`SELECT kind, direction, author_type, text, metadata FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inbox.id, externalId])).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'call', direction: 'inbound', author_type: 'contact', text: 'Inbound call, completed · 3 min 12 s · Ana\nInvoice 4471' });
    expect(rows[0].metadata.call).toMatchObject({
      status: 'completed',
      durationSeconds: 192,
      agentId: agent.id,
      agentName: 'Ana',
      recordingUrl: 'https://pbx.example.com/recordings/1.mp3',
      transcript: 'Hello, I am calling about my invoice…',
      notes: 'Invoice 4471',
      source: 'telephony',
    });
    const conv = (await sut.api('GET', `/conversations/${ringing.body.conversationId}`, { token: agent.token })).body;
    // Answered by a known agent: in the history as their response, nothing left waiting.
    expect(conv).toMatchObject({ channel: 'phone', status: 'resolved', assigneeId: null, firstResponseAt: at(8), contactName: 'Caller 1110001' });
    const timeline = (await sut.api('GET', `/conversations/${ringing.body.conversationId}/messages`, { token: agent.token })).body.items;
    expect(timeline.filter((m: any) => m.kind === 'call')).toHaveLength(1);
  });

  it('keeps the latest state when updates arrive out of order', async () => {
    const externalId = `call-${uid()}`;
    const c = caller('1110002');
    await report({ externalId, direction: 'outbound', contact: c, status: 'completed', startedAt: at(0), answeredAt: at(5), endedAt: at(65), agentEmail: agent.email });
    const late = await report({ externalId, direction: 'outbound', contact: c, status: 'ringing', startedAt: at(0) });
    expect(late.status).toBe(200);
    expect(late.body.call).toMatchObject({ status: 'completed', durationSeconds: 60, agentName: 'Ana' });
  });

  it('a missed call opens a conversation that routing assigns to an online agent for the call-back; the call-back shows in the calls report', async () => {
    const socket = await connectSocket(sut.url, agent.token);
    sockets.push(socket);
    await eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [agent.id])).rows[0]?.presence === 'online');
    const c = caller('1110003');
    const missed = await report({ externalId: `call-${uid()}`, direction: 'inbound', contact: c, status: 'missed', startedAt: at(0), endedAt: at(25) });
    expect(missed.status).toBe(201);
    const assigned = await socket.waitFor('conversation.assigned', (d) => d.conversationId === missed.body.conversationId);
    expect(assigned.agentId).toBe(agent.id);
    const entry = await socket.waitFor('message.created', (d) => d.conversationId === missed.body.conversationId && d.kind === 'call');
    expect(entry.metadata.call).toMatchObject({ direction: 'inbound', status: 'missed', durationSeconds: 0 });

    // The agent calls back from a desk phone and logs it by hand.
    const logged = await sut.api('POST', `/conversations/${missed.body.conversationId}/calls`, {
      token: agent.token,
      body: { direction: 'outbound', outcome: 'completed', durationSeconds: 95, notes: 'Called back, sorted' },
    });
    expect(logged.status).toBe(201);
    expect(logged.body).toMatchObject({
      kind: 'call',
      direction: 'outbound',
      authorType: 'user',
      authorId: agent.id,
      metadata: { call: expect.objectContaining({ source: 'manual', durationSeconds: 95, agentName: 'Ana', notes: 'Called back, sorted' }) },
    });
    const conv = (await sut.api('GET', `/conversations/${missed.body.conversationId}`, { token: agent.token })).body;
    expect(conv.firstResponseAt).toEqual(expect.any(String));

    const kpis = (await sut.api('GET', `/reports/calls?from=2025-01-01T00:00:00Z&to=2099-01-01T00:00:00Z&inboxId=${inbox.id}`, { token: admin })).body;
    expect(kpis.missed).toMatchObject({ calls: 1, calledBack: 1, callbackSeconds: { p50: expect.any(Number) } });
    expect(kpis.perAgent).toEqual(expect.arrayContaining([expect.objectContaining({ agentId: agent.id, name: 'Ana' })]));
    expect(kpis.byChannel.phone).toBe(kpis.calls);
    expect((await sut.api('GET', '/reports/calls', { token: agent.token })).status).toBe(403);
  });

  it("a voicemail reopens the caller's resolved conversation as a new one waiting for a call-back", async () => {
    const c = caller('1110004');
    const first = await report({
      externalId: `call-${uid()}`,
      direction: 'inbound',
      contact: c,
      status: 'completed',
      startedAt: at(0),
      answeredAt: at(2),
      endedAt: at(30),
      agentEmail: agent.email,
    });
    const externalId = `call-${uid()}`;
    const ringing = await report({ externalId, direction: 'inbound', contact: c, status: 'ringing', startedAt: at(100) });
    expect(ringing.body.conversationId).toBe(first.body.conversationId);
    const vm = await report({
      externalId,
      direction: 'inbound',
      contact: c,
      status: 'voicemail',
      startedAt: at(100),
      endedAt: at(160),
      recordingUrl: 'https://pbx.example.com/vm/7.mp3',
    });
    expect(vm.body.conversationId).not.toBe(first.body.conversationId);
    const conv = (await db.query(`SELECT status, waiting_since FROM conversations WHERE id = $1`, [vm.body.conversationId])).rows[0];
    expect(conv.status).toBe('open');
    expect((await db.query(`SELECT conversation_id FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inbox.id, externalId])).rows).toEqual([
      { conversation_id: vm.body.conversationId },
    ]);
  });

  it.each([
    [{ externalId: undefined }, 'externalId'],
    [{ direction: 'sideways' }, 'direction'],
    [{ status: 'hung-up' }, 'status'],
    [{ contact: { identifier: '+380671110009', phone: 'call me maybe' } }, 'contact.phone'],
    [{ contact: undefined }, 'contact'],
    [{ recordingUrl: 'ftp://pbx.example.com/1.mp3' }, 'recordingUrl'],
    [{ startedAt: 'yesterday' }, 'startedAt'],
    [{ startedAt: at(100), endedAt: at(50) }, 'endedAt'],
    [{ colour: 'red' }, 'colour'],
  ])('%j: 400 naming %s, nothing stored', async (patch, field) => {
    const before = (await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND kind = 'call'`, [inbox.id])).rows[0].n;
    const res = await report({ externalId: `call-${uid()}`, direction: 'inbound', contact: caller('1110009'), status: 'completed', ...patch });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.details.fields)).toEqual([field]);
    expect((await db.query(`SELECT count(*)::int AS n FROM messages WHERE inbox_id = $1 AND kind = 'call'`, [inbox.id])).rows[0].n).toBe(before);
  });

  it('only the inbox token of this phone inbox reports calls', async () => {
    const body = { externalId: `call-${uid()}`, direction: 'inbound', contact: caller('1110010'), status: 'ringing' };
    const other = (await sut.api('POST', '/inboxes', { token: admin, body: { name: 'Other line', channel: 'phone' } })).body;
    expect((await report(body, other.token)).status).toBe(403);
    expect((await report(body, agent.token)).status).toBe(403);
    expect((await report(body, 'inb_not-a-token')).status).toBe(401);
  });

  it("a reply typed in a phone conversation fails with a code the agent's screen translates", async () => {
    const r = await report({ externalId: `call-${uid()}`, direction: 'inbound', contact: caller('1110011'), status: 'missed' });
    const reply = await sut.api('POST', `/conversations/${r.body.conversationId}/messages`, { token: admin, body: { text: 'hello?' } });
    const failed = await eventually(async () => (await db.query(`SELECT status, error FROM messages WHERE id = $1 AND status = 'failed'`, [reply.body.id])).rows[0]);
    expect(failed.error).toMatch(/^PHONE_NO_MESSAGES: /);
  });
});
