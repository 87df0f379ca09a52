import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DomainEvent, DomainEvents, OutboxRepository } from '@inbox/core';
import type { RoutingDecision } from '@inbox/routing';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { statementsDuring } from './helpers/statements';
import { AssignmentService, PassView } from '../apps/server/src/routing/assignment.service';
import { RoutingRepository } from '../apps/server/src/routing/routing.repository';
import { RoutingScheduler } from '../apps/server/src/routing/routing-scheduler.service';

/**
 * A routing pass's only assignment (the usual pass after a new conversation while agents have room)
 * goes in ONE round trip after the pass's read: one statement locks, checks and writes, with the
 * outbox rows, sent with its BEGIN and COMMIT. What it cannot check alone goes the batch's way;
 * what the batch would skip or refuse, it skips or refuses, under the same locks.
 */
describe('routing: one assignment in one round trip', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  const events: DomainEvent[] = [];
  const sockets: RecordingSocket[] = [];

  beforeAll(async () => {
    // One connection: the statement is parsed on it once, so every later assignment shows the one round trip.
    ({ sut, admin, db } = await bootFixture({ DATABASE_POOL_SIZE: '1' }));
    sut.server.app.get(DomainEvents).subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    while (sockets.length) sockets.pop()!.close();
    await sut?.close();
  });

  const oneRoundTrip = (sent: string[]) => {
    const routing = sent.filter((t) => /routing_(lock|apply|assign)/.test(t));
    expect(routing).toHaveLength(1);
    expect(routing[0]).toMatch(/^START TRANSACTION;[^]*EXECUTE "routing_assign_one_commit"\([^]*\);\nCOMMIT$/);
  };
  const batchWay = (sent: string[]) => expect(sent.some((t) => /routing_lock_conversations/.test(t))).toBe(true);

  async function agentIn(opts: { capacity: Record<string, number>; inboxId?: string; teamId?: string }) {
    const email = `agent-${uid()}@example.com`;
    const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: `Agent ${uid()}`, password: 'agent-password', role: 'agent', capacity: opts.capacity } }))
      .body;
    if (opts.teamId) await sut.api('POST', `/teams/${opts.teamId}/members`, { token: admin, body: { userId: user.id } });
    if (opts.inboxId) await sut.api('POST', `/inboxes/${opts.inboxId}/members`, { token: admin, body: { userId: user.id } });
    return { ...user, token: await sut.login(email, 'agent-password') } as { id: string; name: string; token: string };
  }
  const inboxOf = async (teamId?: string) => (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api', teamId } })).body;
  const ingest = async (inbox: { id: string; token: string }, text = 'help') =>
    (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: `c-${uid()}` }, text } })).body as {
      conversationId: string;
      contactId: string;
    };
  const online = (id: string) =>
    eventually(async () => (await db.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [id])).rows[0]?.presence === 'online', 15000, 'agent online');

  describe('live', () => {
    it('assigns in one round trip: the events as published, as the outbox holds them and as a fresh read gives them', async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}` } })).body;
      const inbox = await inboxOf(team.id);
      const agent = await agentIn({ capacity: { api: 3 }, inboxId: inbox.id, teamId: team.id });
      const socket = await connectSocket(sut.url, agent.token);
      sockets.push(socket);
      await online(agent.id);
      // The agent's first conversation of the kind: no load row to lock yet, so the batch's way.
      const { result: first, sent: firstSent } = await statementsDuring(async () => {
        const c = await ingest(inbox);
        await socket.waitFor('conversation.assigned', (d) => d.conversationId === c.conversationId);
        return c;
      });
      batchWay(firstSent);
      expect((await db.query(`SELECT assignee_id FROM conversations WHERE id = $1`, [first.conversationId])).rows[0].assignee_id).toBe(agent.id);

      const seen = events.length;
      const { result: second, sent } = await statementsDuring(async () => {
        const c = await ingest(inbox, 'second customer');
        await socket.waitFor('conversation.updated', (d) => d.id === c.conversationId && d.assigneeId === agent.id);
        return c;
      });
      oneRoundTrip(sent);
      const published = events
        .slice(seen)
        .filter((e) => e.conversationId === second.conversationId && e.type !== 'conversation.created' && !(e.type === 'message.created' && e.payload.kind === 'message'));
      expect(published.map((e) => e.type)).toEqual(['message.created', 'conversation.assigned', 'conversation.updated']);
      expect(new Set(published.map((e) => e.batch)).size).toBe(1);
      // The outbox as replicas and reconnecting sockets read it: the same events.
      const ds = sut.server.app.get(DataSource);
      const stored = (await sut.server.app.get(OutboxRepository).after(ds.manager, published[0].seq - 1, 10)).filter((e) => e.conversationId === second.conversationId);
      expect(stored.map(({ seq, type, payload }) => ({ seq, type, payload }))).toEqual(published.map(({ seq, type, payload }) => ({ seq, type, payload })));
      // What the batch tells, as the API reads the rows.
      const [line, assigned, updated] = published.map((e) => e.payload) as [any, any, any];
      expect(assigned).toEqual({
        conversationId: second.conversationId,
        agentId: agent.id,
        previousAgentId: null,
        teamId: team.id,
        reason: expect.stringMatching(/only eligible agent/),
        by: 'routing',
      });
      const conversation = (await sut.api('GET', `/conversations/${second.conversationId}`, { token: admin })).body;
      expect(conversation).toMatchObject(updated);
      expect(updated).toMatchObject({ assigneeId: agent.id, assignmentReason: assigned.reason, lastMessage: { text: 'second customer', authorType: 'contact' } });
      const messages = (await sut.api('GET', `/conversations/${second.conversationId}/messages`, { token: admin })).body.items as Array<{ id: string }>;
      expect(messages.find((m) => m.id === line.id)).toEqual(line);
      expect(line).toMatchObject({
        kind: 'activity',
        authorType: 'system',
        text: `Assigned to ${agent.name} by routing: ${assigned.reason}`,
        metadata: { routing: { action: 'assign', agentId: agent.id, by: 'routing', code: expect.any(String), params: expect.objectContaining({ agent: agent.name }) } },
      });
      // The log with the load after and the capacity; the contact's last agent; the agent's last assignment.
      const log = (
        await db.query(`SELECT action, agent_id, by, agent_load_after, agent_capacity, over_capacity FROM assignment_log WHERE conversation_id = $1`, [second.conversationId])
      ).rows;
      expect(log).toEqual([{ action: 'assign', agent_id: agent.id, by: 'routing', agent_load_after: 2, agent_capacity: 3, over_capacity: false }]);
      expect((await db.query(`SELECT last_agent_id FROM contacts WHERE id = $1`, [second.contactId])).rows[0].last_agent_id).toBe(agent.id);
      const status = (await db.query(`SELECT last_assigned_at FROM agent_status WHERE user_id = $1`, [agent.id])).rows[0];
      expect(new Date(status.last_assigned_at).getTime()).toBe(new Date(conversation.updatedAt).getTime());
      expect((await db.query(`SELECT n FROM agent_loads WHERE agent_id = $1 AND channel = 'api'`, [agent.id])).rows[0].n).toBe(2);
    });
  });

  /**
   * The statement's answers, driven as a pass would drive it (applyAutomaticBatch with the pass's
   * view), on conversations of an inbox no agent belongs to, with the scheduler stopped: nothing
   * else assigns them.
   */
  describe('what it checks under its locks', () => {
    let assignments: AssignmentService;
    let agent: { id: string; name: string };
    let inbox: { id: string; token: string };

    beforeAll(async () => {
      await sut.server.app.get(RoutingScheduler).onModuleDestroy();
      assignments = sut.server.app.get(AssignmentService);
      inbox = await inboxOf();
      agent = await agentIn({ capacity: { api: 2 } });
      await db.query(`INSERT INTO agent_status (user_id, presence) VALUES ($1, 'online') ON CONFLICT (user_id) DO UPDATE SET presence = 'online'`, [agent.id]);
    });

    const decision = (conversationId: string, agentId = agent.id): Extract<RoutingDecision, { type: 'assign' }> => ({
      type: 'assign',
      conversationId,
      agentId,
      teamId: null,
      reason: { code: 'ONLY_ELIGIBLE', params: {}, text: 'a test decision' },
    });
    /** What a pass would have read now. */
    const view = async (): Promise<PassView> => {
      const ds = sut.server.app.get(DataSource);
      const { queue, agents, teams } = await sut.server.app.get(RoutingRepository).routingStateAndQueue(ds.manager, 10_000);
      return { queue, agents, teams };
    };
    const apply = (conversationId: string, seen: PassView) => statementsDuring(() => assignments.applyAutomaticBatch([decision(conversationId)], seen));
    const loadOf = async () => (await db.query(`SELECT n FROM agent_loads WHERE agent_id = $1 AND channel = 'api'`, [agent.id])).rows[0]?.n ?? 0;
    const assigneeOf = async (id: string) => (await db.query(`SELECT assignee_id FROM conversations WHERE id = $1`, [id])).rows[0].assignee_id;

    it('goes the batch’s way for the agent’s first conversation of a kind, then assigns in one round trip', async () => {
      const a = await ingest(inbox);
      const { result, sent } = await apply(a.conversationId, await view());
      expect(result).toEqual({ assigned: 1, offered: 0, skipped: 0, refused: 0 });
      batchWay(sent);
      expect(sent.filter((t) => /routing_assign_one_commit/.test(t))).toHaveLength(1);
      const b = await ingest(inbox);
      const { result: next, sent: nextSent } = await apply(b.conversationId, await view());
      expect(next).toEqual({ assigned: 1, offered: 0, skipped: 0, refused: 0 });
      oneRoundTrip(nextSent);
      expect([await assigneeOf(a.conversationId), await assigneeOf(b.conversationId), await loadOf()]).toEqual([agent.id, agent.id, 2]);
    });

    it('refuses an agent at capacity and skips a conversation no longer waiting, writing nothing', async () => {
      const c = await ingest(inbox);
      const seq = (await db.query(`SELECT max(seq) AS seq FROM outbox_events`)).rows[0].seq;
      const full = await apply(c.conversationId, await view());
      expect(full.result).toEqual({ assigned: 0, offered: 0, skipped: 0, refused: 1 });
      oneRoundTrip(full.sent);
      // Capacity 3 now; the conversation taken meanwhile (a coordinator): skipped.
      await db.query(`UPDATE users SET capacity = '{"api": 3}' WHERE id = $1`, [agent.id]);
      const seen = await view();
      await db.query(`UPDATE conversations SET status = 'resolved' WHERE id = $1`, [c.conversationId]);
      const taken = await apply(c.conversationId, seen);
      expect(taken.result).toEqual({ assigned: 0, offered: 0, skipped: 1, refused: 0 });
      oneRoundTrip(taken.sent);
      expect(await assigneeOf(c.conversationId)).toBeNull();
      expect(await loadOf()).toBe(2);
      expect((await db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE seq > $1`, [seq])).rows[0].n).toBe(0);
      expect((await db.query(`SELECT count(*)::int AS n FROM assignment_log WHERE conversation_id = $1`, [c.conversationId])).rows[0].n).toBe(0);
    });

    it('leaves to the batch what changed since the pass read it (capacity, name), and the batch decides on fresh rows', async () => {
      await db.query(`UPDATE users SET capacity = '{"api": 3}' WHERE id = $1`, [agent.id]);
      const c = await ingest(inbox);
      const seen = await view();
      // Capacity lowered after the pass read it: the statement cannot tell the new capacity; the batch refuses.
      await db.query(`UPDATE users SET capacity = '{"api": 2}' WHERE id = $1`, [agent.id]);
      const lowered = await apply(c.conversationId, seen);
      expect(lowered.result).toEqual({ assigned: 0, offered: 0, skipped: 0, refused: 1 });
      expect(lowered.sent.filter((t) => /routing_assign_one_commit/.test(t))).toHaveLength(1);
      batchWay(lowered.sent);
      // Raised again and the agent renamed since the pass: the batch assigns, with the new name.
      const seen2 = await view();
      await db.query(`UPDATE users SET capacity = '{"api": 3}', name = 'Renamed Agent' WHERE id = $1`, [agent.id]);
      const renamed = await apply(c.conversationId, seen2);
      expect(renamed.result).toEqual({ assigned: 1, offered: 0, skipped: 0, refused: 0 });
      batchWay(renamed.sent);
      const line = (await db.query(`SELECT text FROM messages WHERE conversation_id = $1 AND kind = 'activity'`, [c.conversationId])).rows[0];
      expect(line.text).toBe('Assigned to Renamed Agent by routing: a test decision');
      expect(await loadOf()).toBe(3);
    });

    it('waits for a transaction holding the agent and counts what it committed: never past capacity', async () => {
      await db.query(`UPDATE users SET capacity = '{"api": 4}' WHERE id = $1`, [agent.id]);
      const [mine, theirs] = [await ingest(inbox), await ingest(inbox)];
      const seen = await view();
      expect(await loadOf()).toBe(3);
      // Another replica's batch: holds the agent's status row and assigns the agent's last free slot.
      const other = new Client({ connectionString: sut.databaseUrl });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query(`SELECT 1 FROM agent_status WHERE user_id = $1 FOR UPDATE`, [agent.id]);
        await other.query(`UPDATE conversations SET assignee_id = $1 WHERE id = $2`, [agent.id, theirs.conversationId]);
        const pending = apply(mine.conversationId, seen);
        // The statement waits on the agent's row (it holds the conversation's).
        await eventually(
          async () =>
            (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%routing_assign_one_commit%'`)).rows[0].n === 1,
          15000,
          'the statement waiting on the lock',
        );
        await other.query('COMMIT');
        const { result } = await pending;
        expect(result).toEqual({ assigned: 0, offered: 0, skipped: 0, refused: 1 });
      } finally {
        await other.end();
      }
      expect(await loadOf()).toBe(4);
      expect(await assigneeOf(mine.conversationId)).toBeNull();
    });
  });
});
