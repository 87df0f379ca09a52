import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';

/**
 * Service levels, escalation and timers against the real server: durable jobs fire the
 * snooze wake-up and the SLA warning/breach, sockets carry the alerts, routing takes the
 * escalated conversation to the other team with the note.
 */
describe('service levels, escalation and timers', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  const sockets: RecordingSocket[] = [];

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture({ PRESENCE_GRACE_SECONDS: '0' }));
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

  async function team(extra: Record<string, unknown> = {}) {
    const res = await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}`, ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string };
  }

  async function inbox(teamId: string) {
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api', teamId } });
    expect(res.status).toBe(201);
    return res.body as { id: string; token: string };
  }

  async function user(role: 'agent' | 'coordinator', opts: { teamId?: string; inboxId?: string; name?: string } = {}) {
    const email = `${role}-${uid()}@example.com`;
    const res = await sut.api('POST', '/users', { token: admin, body: { email, name: opts.name ?? `${role} ${uid()}`, password: 'a-password-1', role, capacity: { api: 5 } } });
    expect(res.status).toBe(201);
    if (opts.teamId) expect((await sut.api('POST', `/teams/${opts.teamId}/members`, { token: admin, body: { userId: res.body.id } })).status).toBe(201);
    if (opts.inboxId) expect((await sut.api('POST', `/inboxes/${opts.inboxId}/members`, { token: admin, body: { userId: res.body.id } })).status).toBeLessThan(300);
    return { id: res.body.id as string, name: res.body.name as string, token: await sut.login(email, 'a-password-1') };
  }

  async function online(...agents: Array<{ id: string; token: string }>) {
    const out = await Promise.all(agents.map((a) => connect(a.token)));
    await eventually(
      async () =>
        (await db.query(`SELECT count(*)::int AS n FROM agent_status WHERE user_id = ANY($1) AND presence = 'online'`, [agents.map((a) => a.id)])).rows[0].n === agents.length,
      15000,
      'agents online',
    );
    return out;
  }

  const ingest = async (ib: { id: string; token: string }, text = 'hello', identifier = `c-${uid()}`) => {
    const res = await sut.api('POST', `/inboxes/${ib.id}/incoming`, { token: ib.token, body: { externalId: uid(), contact: { identifier }, text } });
    expect(res.status).toBe(201);
    return res.body.conversationId as string;
  };
  const conversation = async (id: string) => (await sut.api('GET', `/conversations/${id}`, { token: admin })).body;
  const messages = async (id: string) =>
    (await sut.api('GET', `/conversations/${id}/messages`, { token: admin })).body.items as Array<{ kind: string; text: string; metadata: any }>;
  const policy = async (body: Record<string, unknown>) => {
    const res = await sut.api('POST', '/sla-policies', { token: admin, body: { name: `SLA ${uid()}`, ...body } });
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string };
  };

  describe('snooze', () => {
    it('wakes a snoozed conversation through its durable job: open again, back to its assignee, with an activity line', async () => {
      const t = await team();
      const ib = await inbox(t.id);
      const agent = await user('agent', { teamId: t.id, inboxId: ib.id });
      await online(agent);
      const id = await ingest(ib);
      await eventually(async () => (await conversation(id)).assigneeId === agent.id, 15000, 'assigned');
      const until = new Date(Date.now() + 2000).toISOString();
      const snoozed = await sut.api('PATCH', `/conversations/${id}`, { token: agent.token, body: { status: 'snoozed', snoozedUntil: until } });
      expect(snoozed.status).toBe(200);
      expect(snoozed.body.status).toBe('snoozed');
      const woke = await eventually(
        async () => {
          const c = await conversation(id);
          return c.status === 'open' && c;
        },
        20000,
        'snooze wake-up',
      );
      expect(woke).toMatchObject({ snoozedUntil: null, assigneeId: agent.id });
      expect((await messages(id)).filter((m) => m.metadata?.activity?.code === 'snooze_ended')).toHaveLength(1);
    });
  });

  it('wakes a snoozed conversation at once when the customer writes', async () => {
    const t = await team();
    const ib = await inbox(t.id);
    const identifier = `c-${uid()}`;
    const id = await ingest(ib, 'hello', identifier);
    const until = new Date(Date.now() + 3600_000).toISOString();
    expect((await sut.api('PATCH', `/conversations/${id}`, { token: admin, body: { status: 'snoozed', snoozedUntil: until } })).body.status).toBe('snoozed');
    expect(await ingest(ib, 'are you there?', identifier)).toBe(id);
    expect(await conversation(id)).toMatchObject({ status: 'open', snoozedUntil: null });
  });

  describe('SLA policies', () => {
    it('refuses scopes it does not know, naming the field', async () => {
      const res = await sut.api('POST', '/sla-policies', { token: admin, body: { name: `Bad ${uid()}`, firstResponseSeconds: 60, appliesTo: { channels: ['fax'] } } });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.details.fields)).toEqual(['appliesTo.channels']);
    });

    it('breaches a 3-second first response live: activity line, sla.breached to the assignee and a coordinator, once', async () => {
      const t = await team();
      const ib = await inbox(t.id);
      const pol = await policy({ firstResponseSeconds: 3, warnAtPercent: 50, appliesTo: { inboxIds: [ib.id] } });
      const agent = await user('agent', { teamId: t.id, inboxId: ib.id });
      const coordinator = await user('coordinator');
      const [agentSocket] = await online(agent);
      const coordSocket = await connect(coordinator.token);

      const id = await ingest(ib);
      const created = await conversation(id);
      expect(created.sla).toMatchObject({ state: 'ok', firstResponseDueAt: new Date(Date.parse(created.createdAt) + 3000).toISOString() });
      await eventually(async () => (await conversation(id)).assigneeId === agent.id, 15000, 'assigned');

      const warning = await coordSocket.waitFor('sla.warning', (d) => d.conversationId === id, 20000);
      expect(warning).toMatchObject({ kind: 'first_response', level: 'warning' });
      const [forAgent, forCoordinator] = await Promise.all([
        agentSocket.waitFor('sla.breached', (d) => d.conversationId === id, 20000),
        coordSocket.waitFor('sla.breached', (d) => d.conversationId === id, 20000),
      ]);
      expect(forAgent).toMatchObject({ kind: 'first_response', level: 'breached', assigneeId: agent.id });
      expect(forCoordinator.dueAt).toBe(forAgent.dueAt);
      expect((await conversation(id)).sla).toMatchObject({ state: 'breached', breaches: [{ kind: 'first_response' }] });
      const lines = (await messages(id)).map((m) => m.metadata?.activity?.code).filter((c) => c?.startsWith('sla_'));
      expect(lines).toEqual(['sla_applied', 'sla_warning', 'sla_breached']);
      expect((await db.query(`SELECT level FROM sla_events WHERE conversation_id = $1 ORDER BY id`, [id])).rows.map((r) => r.level)).toEqual(['warning', 'breached']);

      // The KPI report counts breaches from the policy's timers.
      const kpis = (await sut.api('GET', `/reports/kpis?inboxId=${ib.id}`, { token: admin })).body;
      expect(kpis.slaBreaches).toBe(1);
      expect(kpis.slaPolicies).toMatchObject({ conversations: 1, met: 0, metRate: 0, breachesByKind: { first_response: 1 }, medianSecondsToBreach: 3 });
      expect(kpis.slaPolicies.byPolicy).toEqual([expect.objectContaining({ policyId: pol.id, name: pol.name, conversations: 1, met: 0 })]);
      expect(kpis.slaPolicies.byAgent).toEqual([expect.objectContaining({ agentId: agent.id, breachesByKind: { first_response: 1 } })]);
    }, 60_000);

    it('is met by an agent reply before the due time, and pauses while pending', async () => {
      const t = await team();
      const ib = await inbox(t.id);
      await policy({ firstResponseSeconds: 600, nextResponseSeconds: 300, appliesTo: { inboxIds: [ib.id] } });
      const agent = await user('agent', { teamId: t.id, inboxId: ib.id });
      await online(agent);
      const identifier = `c-${uid()}`;
      const id = await ingest(ib, 'hello', identifier);
      await eventually(async () => (await conversation(id)).assigneeId === agent.id, 15000, 'assigned');
      expect((await sut.api('POST', `/conversations/${id}/messages`, { token: agent.token, body: { text: 'Hi!' } })).status).toBe(201);
      expect((await conversation(id)).sla).toMatchObject({ state: 'met', dueAt: null });
      // The customer writes again: next response runs.
      await ingest(ib, 'one more thing', identifier);
      const next = (await conversation(id)).sla;
      expect(next).toMatchObject({ state: 'ok', paused: false });
      expect(Date.parse(next.nextResponseDueAt)).toBeGreaterThan(Date.now());
      // Pending: waiting on the customer, the clock stops.
      await sut.api('PATCH', `/conversations/${id}`, { token: agent.token, body: { status: 'pending' } });
      expect((await conversation(id)).sla).toMatchObject({ paused: true, dueAt: null });
      expect((await db.query(`SELECT count(*)::int AS n FROM sla_events WHERE conversation_id = $1`, [id])).rows[0].n).toBe(0);
    });

    it('re-evaluates the policy when the priority changes, with an activity line', async () => {
      const t = await team();
      const ib = await inbox(t.id);
      await policy({ firstResponseSeconds: 3600, order: 1, appliesTo: { inboxIds: [ib.id] } });
      const urgent = await policy({ firstResponseSeconds: 600, order: 0, appliesTo: { inboxIds: [ib.id], priorities: [3] } });
      const id = await ingest(ib);
      expect((await sut.api('PATCH', `/conversations/${id}`, { token: admin, body: { priority: 3 } })).status).toBe(200);
      const c = await conversation(id);
      expect(c.sla.policyId).toBe(urgent.id);
      expect(Date.parse(c.sla.firstResponseDueAt) - Date.parse(c.createdAt)).toBe(600_000);
      expect((await messages(id)).some((m) => m.metadata?.activity?.code === 'sla_changed')).toBe(true);
    });
  });

  describe('escalation', () => {
    it('lands in the other team with the note, is assigned there, and the history keeps the chain', async () => {
      const support = await team();
      const billing = await team({ isDepartment: true });
      const ib = await inbox(support.id);
      const ana = await user('agent', { teamId: support.id, inboxId: ib.id, name: `Ana ${uid()}` });
      const bill = await user('agent', { teamId: billing.id, inboxId: ib.id });
      await online(ana);
      const id = await ingest(ib, 'I was charged twice');
      await eventually(async () => (await conversation(id)).assigneeId === ana.id, 15000, 'assigned to Ana');

      const outsider = await user('agent');
      expect((await sut.api('POST', `/conversations/${id}/escalate`, { token: outsider.token, body: { teamId: billing.id, note: 'x' } })).status).toBe(403);

      const note = 'Charged twice for order 1234; refund the second charge';
      const res = await sut.api('POST', `/conversations/${id}/escalate`, { token: ana.token, body: { teamId: billing.id, note, priority: 2 } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ teamId: billing.id, assigneeId: null, priority: 2, assignmentReason: `escalated by ${ana.name} to ${billing.name}: ${note}` });

      const [billSocket] = await online(bill);
      await eventually(async () => (await conversation(id)).assigneeId === bill.id, 15000, 'assigned in Billing');
      await billSocket.waitFor('conversation.assigned', (d) => d.conversationId === id && d.agentId === bill.id);
      const handoff = (await sut.api('GET', `/conversations/${id}/messages`, { token: bill.token })).body.items.filter((m: any) => m.kind === 'note' && m.metadata?.handoff);
      expect(handoff).toHaveLength(1);
      expect(handoff[0]).toMatchObject({ text: note, metadata: { handoff: { teamId: billing.id, byName: ana.name } } });
      const log = (await sut.api('GET', `/conversations/${id}/assignments`, { token: admin })).body.map((l: any) => [l.action, l.agentId ?? l.previousAgentId]);
      expect(log).toEqual([
        ['assign', ana.id],
        ['escalate', ana.id],
        ['assign', bill.id],
      ]);
      // Departments are what the picker offers.
      const teams = (await sut.api('GET', '/teams', { token: ana.token })).body;
      expect(teams.find((x: any) => x.id === billing.id).isDepartment).toBe(true);
    }, 60_000);
  });

  describe('assign to me and reply timeout', () => {
    it('lets an inbox member take an unassigned conversation, within capacity (409 over it)', async () => {
      const t = await team();
      const ib = await inbox(t.id);
      const agent = await user('agent', { inboxId: ib.id });
      await sut.api('PATCH', `/users/${agent.id}`, { token: admin, body: { capacity: { api: 1 } } });
      const [first, second] = [await ingest(ib), await ingest(ib)];
      const taken = await sut.api('POST', `/conversations/${first}/claim`, { token: agent.token });
      expect(taken.status).toBe(200);
      expect(taken.body.assigneeId).toBe(agent.id);
      const over = await sut.api('POST', `/conversations/${second}/claim`, { token: agent.token });
      expect(over.status).toBe(409);
      expect(over.body.code).toBe('AGENT_AT_CAPACITY');
    });

    it('takes a conversation back from an agent who does not reply in time and gives it to the next one', async () => {
      const t = await team({ reassignIfNoReplySeconds: 1 });
      const ib = await inbox(t.id);
      const a = await user('agent', { teamId: t.id, inboxId: ib.id });
      const b = await user('agent', { teamId: t.id, inboxId: ib.id });
      await online(a, b);
      const id = await ingest(ib);
      const first = await eventually(async () => (await conversation(id)).assigneeId, 15000, 'assigned');
      const other = first === a.id ? b.id : a.id;
      await eventually(async () => (await conversation(id)).assigneeId === other, 30000, 'reassigned after the reply timeout');
      const reasons = (await sut.api('GET', `/conversations/${id}/assignments`, { token: admin })).body.map((l: any) => l.reasonCode);
      expect(reasons).toContain('reply_timeout');
    }, 60_000);
  });
});
