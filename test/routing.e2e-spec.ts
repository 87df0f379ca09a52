import { Client } from 'pg';
import { io } from 'socket.io-client';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { QueueStatsService } from '../apps/server/src/realtime/queue-stats.service';
import { RoutingRepository } from '../apps/server/src/routing/routing.repository';

/** Live routing over real sockets against a real PostgreSQL. */
describe('live routing and the realtime gateway', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  const sockets: RecordingSocket[] = [];

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture({ PRESENCE_GRACE_SECONDS: '1' }));
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()!.close();
  });

  afterAll(async () => {
    await sut?.close();
  });

  /** A team with its own API inbox and agents, so scenarios never share agents. */
  async function scenario(opts: { agents: number; capacity?: Record<string, number>; team?: Record<string, unknown> }) {
    const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}`, ...(opts.team ?? {}) } })).body;
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api', teamId: team.id } })).body;
    const agents = [];
    for (let i = 0; i < opts.agents; i++) {
      const email = `agent-${uid()}@example.com`;
      const user = (
        await sut.api('POST', '/users', { token: admin, body: { email, name: `Agent ${i}`, password: 'agent-password', role: 'agent', capacity: opts.capacity ?? { api: 2 } } })
      ).body;
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: user.id } });
      await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
      agents.push({ ...user, token: await sut.login(email, 'agent-password') });
    }
    const ingest = async (text = 'help') =>
      (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: `c-${uid()}` }, text } })).body as {
        conversationId: string;
      };
    return { team, inbox, agents, ingest };
  }

  const connect = async (token: string) => {
    const s = await connectSocket(sut.url, token);
    sockets.push(s);
    return s;
  };

  /** Presence is written after the handshake: wait until routing can see the agents. */
  const allOnline = (ids: string[]) =>
    eventually(
      async () => (await db.query(`SELECT count(*)::int AS n FROM agent_status WHERE user_id = ANY($1) AND presence = 'online'`, [ids])).rows[0].n === ids.length,
      15000,
      'agents online',
    );

  const assigneeOf = async (id: string) => (await db.query(`SELECT assignee_id, offered_to_id, assignment_reason FROM conversations WHERE id = $1`, [id])).rows[0];

  type Scenario = Awaited<ReturnType<typeof scenario>>;

  /** The scenario's first agent online and one new conversation routed to them: where most tests start. */
  const routedToFirstAgent = async (s: Scenario) => {
    const first = await connect(s.agents[0].token);
    await allOnline([s.agents[0].id]);
    const { conversationId } = await s.ingest();
    await first.waitFor('conversation.assigned', (d) => d.conversationId === conversationId);
    return { first, conversationId };
  };

  /** Both agents online and the first offer of one new conversation, made to either of them. */
  const offeredToEither = async (s: Scenario) => {
    const [a, b] = [await connect(s.agents[0].token), await connect(s.agents[1].token)];
    await allOnline(s.agents.map((x) => x.id));
    const { conversationId } = await s.ingest();
    const offer = await Promise.race([a, b].map((x) => x.waitFor('conversation.offered', (d) => d.conversationId === conversationId)));
    const [offered, other] = offer.agentId === s.agents[0].id ? [a, b] : [b, a];
    const otherId = offer.agentId === s.agents[0].id ? s.agents[1].id : s.agents[0].id;
    return { conversationId, offer, offered, other, otherId };
  };

  describe('handshake', () => {
    it('refuses a bad token with a connect_error carrying a code', async () => {
      const socket = io(sut.url, { auth: { token: 'nope' }, transports: ['websocket'], reconnection: false, forceNew: true });
      const err: any = await new Promise((resolve) => socket.once('connect_error', resolve));
      socket.close();
      expect(err.data).toEqual({ code: 'UNAUTHENTICATED' });
    });

    it('refuses an inbox token', async () => {
      const { inbox } = await scenario({ agents: 0 });
      await expect(connectSocket(sut.url, inbox.token)).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    });
  });

  describe('assignment', () => {
    it('assigns a new conversation to the online agent, live, with a reason', async () => {
      const s = await scenario({ agents: 1 });
      const agent = await connect(s.agents[0].token);
      await allOnline([s.agents[0].id]);
      const { conversationId } = await s.ingest();
      const assigned = await agent.waitFor('conversation.assigned', (d) => d.conversationId === conversationId);
      expect(assigned).toMatchObject({ agentId: s.agents[0].id, previousAgentId: null, by: 'routing' });
      expect(assigned.reason).toMatch(/only eligible agent in Team/);
      await agent.waitFor('message.created', (d) => d.conversationId === conversationId && d.kind === 'message');
      const log = await sut.api('GET', `/conversations/${conversationId}/assignments`, { token: admin });
      expect(log.body).toEqual([expect.objectContaining({ action: 'assign', agentId: s.agents[0].id, by: 'routing' })]);
      const msgs = await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin });
      expect(msgs.body.items.find((m: any) => m.kind === 'activity').text).toMatch(/^Assigned to Agent 0 by routing: the only eligible agent/);
    });

    it('never exceeds capacity and assigns the waiting conversation when capacity frees up', async () => {
      const s = await scenario({ agents: 1, capacity: { api: 1 } });
      const { first: agent, conversationId: first } = await routedToFirstAgent(s);
      const second = await s.ingest();
      const waiting = await eventually(async () => {
        const row = await assigneeOf(second.conversationId);
        return row.assignment_reason && row;
      });
      expect(waiting.assignee_id).toBeNull();
      expect(waiting.assignment_reason).toMatch(/capacity/);
      await sut.api('PATCH', `/conversations/${first}`, { token: s.agents[0].token, body: { status: 'resolved' } });
      await agent.waitFor('conversation.assigned', (d) => d.conversationId === second.conversationId);
    });

    it('sends nothing new to an agent who chose away, and resumes when back online', async () => {
      const s = await scenario({ agents: 1 });
      const agent = await connect(s.agents[0].token);
      expect(await agent.emit('presence.set', { presence: 'away' })).toEqual({ ok: true, presence: 'away' });
      const { conversationId } = await s.ingest();
      await eventually(async () => (await assigneeOf(conversationId)).assignment_reason);
      expect((await assigneeOf(conversationId)).assignee_id).toBeNull();
      expect(await agent.emit('presence.set', { presence: 'online' })).toEqual({ ok: true, presence: 'online' });
      await agent.waitFor('conversation.assigned', (d) => d.conversationId === conversationId);
    });
  });

  describe('what an automatic assignment tells', () => {
    // Routing's batch tells its events from the locked rows and writes with the COMMIT: each one
    // must be what the database holds once it commits (the summary as the API reads it, the
    // activity line as stored).
    it('an assignment: the conversation as stored and its activity line', async () => {
      const s = await scenario({ agents: 1 });
      const { first, conversationId } = await routedToFirstAgent(s);
      const updated = await first.waitFor('conversation.updated', (d) => d.id === conversationId && d.assigneeId === s.agents[0].id);
      const line = await first.waitFor('message.created', (d) => d.conversationId === conversationId && d.kind === 'activity');
      const stored = (await sut.api('GET', `/conversations/${conversationId}`, { token: admin })).body;
      expect(stored).toMatchObject(updated);
      expect(updated).toMatchObject({ assigneeId: s.agents[0].id, status: 'open', lastMessage: { text: 'help', authorType: 'contact' } });
      const messages = (await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin })).body;
      const list: Array<{ id: string }> = Array.isArray(messages) ? messages : messages.items;
      expect(list.find((m) => m.id === line.id)).toEqual(line);
      expect(line).toMatchObject({ authorType: 'system', direction: 'outbound', metadata: { routing: { action: 'assign', agentId: s.agents[0].id, by: 'routing' } } });
    });

    it('an offer: the conversation as stored', async () => {
      const s = await scenario({ agents: 2, team: { offerTimeoutSeconds: 30 } });
      const { conversationId, offer } = await offeredToEither(s);
      const stored = (await sut.api('GET', `/conversations/${conversationId}`, { token: admin })).body;
      expect(stored).toMatchObject(offer.conversation);
      expect(offer.conversation).toMatchObject({ id: conversationId, assigneeId: null, assignmentReason: offer.reason });
    });
  });

  describe('offer and accept', () => {
    it('offers with a countdown; a decline goes to the next agent, who accepts', async () => {
      const s = await scenario({ agents: 2, team: { offerTimeoutSeconds: 30 } });
      const { conversationId, offer, offered: first, other: second, otherId: secondId } = await offeredToEither(s);
      expect(new Date(offer.expiresAt).getTime()).toBeGreaterThan(Date.now() + 20000);
      expect(await first.emit('offer.decline', { conversationId })).toEqual({ ok: true });
      const next = await second.waitFor('conversation.offered', (d) => d.conversationId === conversationId);
      expect(next.agentId).toBe(secondId);
      expect(await first.emit('offer.accept', { conversationId })).toMatchObject({ ok: false, code: 'OFFER_NOT_FOUND' });
      expect(await second.emit('offer.accept', { conversationId })).toEqual({ ok: true });
      const assigned = await first.waitFor('conversation.updated', (d) => d.id === conversationId && d.assigneeId === secondId);
      expect(assigned.assigneeId).toBe(secondId);
      const actions = (await sut.api('GET', `/conversations/${conversationId}/assignments`, { token: admin })).body.map((l: any) => l.action);
      expect(actions).toEqual(['offer', 'decline', 'offer', 'accept']);
    });

    it('moves an offer that times out to the next agent', async () => {
      const s = await scenario({ agents: 2, team: { offerTimeoutSeconds: 5 } });
      const { conversationId, offer, other, otherId } = await offeredToEither(s);
      const next = await other.waitFor('conversation.offered', (d) => d.conversationId === conversationId, 20000);
      expect(next.agentId).not.toBe(offer.agentId);
      expect(next.agentId).toBe(otherId);
      const actions = (await sut.api('GET', `/conversations/${conversationId}/assignments`, { token: admin })).body.map((l: any) => l.action);
      expect(actions).toEqual(['offer', 'expire', 'offer']);
    }, 30000);
  });

  describe('presence loss', () => {
    /** Ways the first agent stops serving the team; each must requeue their conversation to the second agent. */
    const leavings: Array<{ how: string; leave: (s: Scenario, first: RecordingSocket) => Promise<void>; reason: RegExp; afterwards?: (s: Scenario) => Promise<void> }> = [
      {
        how: 'gone past the grace period',
        leave: async (_s, first) => first.close(),
        reason: /offline/,
        afterwards: async (s) => {
          expect((await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [s.agents[0].id])).rows[0].presence).toBe('offline');
        },
      },
      {
        how: 'removed from the team',
        leave: async (s) => {
          expect((await sut.api('DELETE', `/teams/${s.team.id}/members/${s.agents[0].id}`, { token: admin })).status).toBe(204);
        },
        reason: /removed from the team/,
      },
    ];

    it.each(leavings)(
      'requeues the conversations of an agent $how to another agent',
      async ({ leave, reason, afterwards }) => {
        const s = await scenario({ agents: 2, capacity: { api: 5 } });
        const { first, conversationId } = await routedToFirstAgent(s);
        const b = await connect(s.agents[1].token);
        await leave(s, first);
        const moved = await b.waitFor('conversation.assigned', (d) => d.conversationId === conversationId && d.agentId === s.agents[1].id, 20000);
        expect(moved.agentId).toBe(s.agents[1].id);
        const log = (await sut.api('GET', `/conversations/${conversationId}/assignments`, { token: admin })).body;
        expect(log.map((l: any) => l.action)).toEqual(['assign', 'requeue', 'assign']);
        expect(log[1].reason).toMatch(reason);
        await afterwards?.(s);
      },
      30000,
    );

    it('keeps conversations through a quick reconnect (page reload)', async () => {
      const s = await scenario({ agents: 2 });
      const { first: a, conversationId } = await routedToFirstAgent(s);
      a.close();
      await connect(s.agents[0].token);
      await new Promise((r) => setTimeout(r, 2500)); // longer than the 1 s grace
      expect((await assigneeOf(conversationId)).assignee_id).toBe(s.agents[0].id);
      expect((await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [s.agents[0].id])).rows[0].presence).toBe('online');
    });
  });

  describe('coordinators', () => {
    it('reassigns live: the old and the new agent both see it at once', async () => {
      const s = await scenario({ agents: 2, capacity: { api: 5 } });
      const { first: a, conversationId } = await routedToFirstAgent(s);
      const b = await connect(s.agents[1].token);
      const coordinatorEmail = `coord-${uid()}@example.com`;
      await sut.api('POST', '/users', { token: admin, body: { email: coordinatorEmail, name: 'Coco', password: 'coordinator-pw', role: 'coordinator' } });
      const coordinator = await connect(await sut.login(coordinatorEmail, 'coordinator-pw'));
      expect(await coordinator.emit('coordinator.assign', { conversationId, agentId: s.agents[1].id })).toEqual({ ok: true });
      const [seenByOld, seenByNew] = await Promise.all([
        a.waitFor('conversation.assigned', (d) => d.conversationId === conversationId && d.agentId === s.agents[1].id),
        b.waitFor('conversation.assigned', (d) => d.conversationId === conversationId && d.agentId === s.agents[1].id),
      ]);
      expect(seenByOld).toMatchObject({ previousAgentId: s.agents[0].id, by: 'coordinator' });
      expect(seenByNew).toMatchObject({ previousAgentId: s.agents[0].id, by: 'coordinator' });
      await coordinator.waitFor('conversation.assigned', (d) => d.conversationId === conversationId && d.agentId === s.agents[1].id);
    });

    it('refuses to push an agent past capacity unless forced, and marks a forced one', async () => {
      const s = await scenario({ agents: 1, capacity: { api: 1 } });
      await routedToFirstAgent(s);
      const second = await s.ingest();
      const refused = await sut.api('POST', `/conversations/${second.conversationId}/assign`, { token: admin, body: { agentId: s.agents[0].id } });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('AGENT_AT_CAPACITY');
      const forced = await sut.api('POST', `/conversations/${second.conversationId}/assign`, { token: admin, body: { agentId: s.agents[0].id, force: true } });
      expect(forced.status).toBe(200);
      expect(forced.body.assigneeId).toBe(s.agents[0].id);
      const log = (await sut.api('GET', `/conversations/${second.conversationId}/assignments`, { token: admin })).body;
      expect(log[log.length - 1]).toMatchObject({ action: 'assign', overCapacity: true, by: 'coordinator' });
    });

    it('transfers to another team’s queue and unassigns', async () => {
      const s = await scenario({ agents: 1 });
      const other = await scenario({ agents: 1 });
      // Routing gives a conversation only to members of its inbox: the other team's agent handles this inbox too.
      await sut.api('POST', `/inboxes/${s.inbox.id}/members`, { token: admin, body: { userId: other.agents[0].id } });
      const a = await connect(s.agents[0].token);
      const b = await connect(other.agents[0].token);
      await allOnline([s.agents[0].id, other.agents[0].id]);
      const { conversationId } = await s.ingest();
      await a.waitFor('conversation.assigned', (d) => d.conversationId === conversationId);
      const res = await sut.api('POST', `/conversations/${conversationId}/transfer`, { token: admin, body: { teamId: other.team.id } });
      expect(res.status).toBe(200);
      await a.waitFor('conversation.assigned', (d) => d.conversationId === conversationId && d.agentId === null);
      await b.waitFor('conversation.assigned', (d) => d.conversationId === conversationId && d.agentId === other.agents[0].id);
    });
  });

  describe('business hours and the live queue', () => {
    it('tells the customer once when the team is closed, and keeps the conversation queued', async () => {
      const closedAllWeek = { timezone: 'UTC', days: {} };
      const s = await scenario({ agents: 1, team: { businessHours: closedAllWeek, awayMessage: 'We are closed; we answer from 9:00.' } });
      await connect(s.agents[0].token);
      const customer = { identifier: `night-owl-${uid()}` };
      const post = (text: string) => sut.api('POST', `/inboxes/${s.inbox.id}/incoming`, { token: s.inbox.token, body: { externalId: uid(), contact: customer, text } });
      const { conversationId } = (await post('anyone there?')).body;
      const reply = await eventually(async () => {
        const msgs = await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin });
        return msgs.body.items.find((m: any) => m.direction === 'outbound' && m.kind === 'message');
      });
      expect(reply).toMatchObject({ text: 'We are closed; we answer from 9:00.', authorType: 'system', metadata: { automatic: true, reason: 'away_message' } });
      const row = await eventually(async () => {
        const r = await assigneeOf(conversationId);
        return r.assignment_reason && r;
      });
      expect(row.assignee_id).toBeNull();
      expect(row.assignment_reason).toMatch(/outside business hours/);
      // The customer writes again in the same conversation: no second away message.
      expect((await post('hello?')).body.conversationId).toBe(conversationId);
      const msgs = await sut.api('GET', `/conversations/${conversationId}/messages`, { token: admin });
      expect(msgs.body.items.filter((m: any) => m.metadata?.automatic)).toHaveLength(1);
      const conv = await sut.api('GET', `/conversations/${conversationId}`, { token: admin });
      expect(conv.body.firstResponseAt).toBeNull();
      expect(conv.body.waitingSince).not.toBeNull();
    });

    it('pushes queue.stats with waiting counts and agent load to coordinators', async () => {
      const coordinatorEmail = `coord-${uid()}@example.com`;
      await sut.api('POST', '/users', { token: admin, body: { email: coordinatorEmail, name: 'Stats', password: 'coordinator-pw', role: 'coordinator' } });
      const pusher = sut.server.app.get(QueueStatsService);
      const reads = jest.spyOn(sut.server.app.get(RoutingRepository), 'queueStats');
      try {
        // No coordinator or admin connected to this replica (the earlier tests' sockets are closed): no read.
        await eventually(async () => (await pusher.tick()) === false, 5000, 'no staff socket left');
        reads.mockClear();
        expect(await pusher.tick()).toBe(false);
        expect(reads).not.toHaveBeenCalled();
      } finally {
        reads.mockRestore();
      }
      const coordinator = await connect(await sut.login(coordinatorEmail, 'coordinator-pw'));
      // Pushed at once (the timer's tick, called here rather than awaited for 5 s) once the socket is in the room.
      await eventually(() => pusher.tick(), 5000, 'a push to the coordinator');
      const stats = await coordinator.waitFor('queue.stats', (d) => Array.isArray(d.teams) && d.agents.length > 0, 12000);
      expect(stats.agents[0]).toEqual(
        expect.objectContaining({
          agentId: expect.any(String),
          presence: expect.any(String),
          load: expect.any(Object),
          capacity: expect.objectContaining({ api: expect.any(Number) }),
        }),
      );
      const rest = await sut.api('GET', '/routing/stats', { token: admin });
      expect(rest.status).toBe(200);
      expect(rest.body.teams.some((t: any) => t.waiting > 0)).toBe(true);
      expect((await sut.api('GET', '/routing/stats', { token: (await scenario({ agents: 1 })).agents[0].token })).status).toBe(403);
    });
  });

  describe('bad input on the socket', () => {
    it('answers unknown events, malformed payloads and forbidden commands with error acks, and keeps working', async () => {
      const s = await scenario({ agents: 1 });
      const outsider = await scenario({ agents: 1 });
      const a = await connect(s.agents[0].token);
      const { conversationId } = await outsider.ingest();
      expect(await a.emit('does.not.exist', {})).toMatchObject({ ok: false, code: 'UNKNOWN_EVENT' });
      expect(await a.emit('offer.accept', { conversationId: 42 })).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      expect(await a.emit('presence.set', null)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
      expect(await a.emit('coordinator.assign', { conversationId, agentId: s.agents[0].id })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(await a.emit('conversation.join', { conversationId })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(await a.emit('typing', { conversationId, typing: true })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
      expect(a.socket.connected).toBe(true);
      const own = await s.ingest();
      expect(await a.emit('conversation.join', { conversationId: own.conversationId })).toEqual({ ok: true });
    });

    it('rate-limits a flood of events from one socket', async () => {
      const s = await scenario({ agents: 1 });
      const a = await connect(s.agents[0].token);
      const acks = await Promise.all(Array.from({ length: 80 }, () => a.emit('presence.set', { presence: 'online' })));
      expect(acks.some((x) => x.code === 'RATE_LIMITED')).toBe(true);
      expect(a.socket.connected).toBe(true);
    });

    it('replays missed events by sequence number, only those the agent may see', async () => {
      const s = await scenario({ agents: 1 });
      const outsider = await scenario({ agents: 0 });
      const a = await connect(s.agents[0].token);
      const { rows } = await db.query(`SELECT coalesce(max(seq), 0)::int AS seq FROM outbox_events`);
      const mine = await s.ingest('mine');
      await outsider.ingest('not mine');
      const reply = await a.emit('events.replay', { afterSeq: rows[0].seq });
      expect(reply.ok).toBe(true);
      const replayed = a.events.filter((e) => e.payload?.seq > rows[0].seq && e.event === 'message.created').map((e) => e.payload.data.text);
      expect(replayed).toContain('mine');
      expect(replayed).not.toContain('not mine');
      expect(mine.conversationId).toBeDefined();
    });
  });
});
