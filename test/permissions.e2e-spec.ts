import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { io } from 'socket.io-client';
import * as jwt from 'jsonwebtoken';
import { ACTIONS, POLICY, type Action } from '@inbox/core';
import { TestApp, bootApp, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { startWebhookReceiver } from './helpers/webhook-receiver';

const JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';

/**
 * Rights follow the user everywhere: REST, contacts, sockets (rooms and commands), routing,
 * and sessions that end at once. Two in-process replicas share PostgreSQL and Redis, so a
 * change made through one reaches sockets held by the other.
 */
describe('permissions that follow the user', () => {
  let sut: TestApp;
  let other: TestApp; // a second replica on the same database and Redis
  let admin: string;
  let db: Client;
  const sockets: RecordingSocket[] = [];

  beforeAll(async () => {
    const redis = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `perm-${randomBytes(4).toString('hex')}` };
    sut = await bootApp({ ...redis, PRESENCE_GRACE_SECONDS: '0' });
    other = await bootApp({ ...redis, DATABASE_URL: sut.databaseUrl, PRESENCE_GRACE_SECONDS: '0' });
    admin = await sut.login();
    db = new Client({ connectionString: sut.databaseUrl });
    await db.connect();
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()!.close();
  });

  afterAll(async () => {
    await db?.end();
    await other?.close();
    await sut?.close();
  });

  const connect = async (app: TestApp, token: string) => {
    const s = await connectSocket(app.url, token);
    sockets.push(s);
    return s;
  };

  async function user(role: 'agent' | 'coordinator' | 'admin', opts: { capacity?: Record<string, number> } = {}) {
    const email = `${role}-${uid()}@example.com`;
    const res = await sut.api('POST', '/users', { token: admin, body: { email, name: `${role} ${uid()}`, password: 'a-password-1', role, capacity: opts.capacity ?? { api: 5 } } });
    expect(res.status).toBe(201);
    return { ...res.body, email, token: await sut.login(email, 'a-password-1') } as { id: string; name: string; email: string; token: string };
  }

  async function inbox(opts: { teamId?: string; webhookUrl?: string } = {}) {
    const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api', ...opts } });
    expect(res.status).toBe(201);
    return res.body as { id: string; token: string; webhookSecret: string };
  }

  const member = (inboxId: string, userId: string) => sut.api('POST', `/inboxes/${inboxId}/members`, { token: admin, body: { userId } });
  const ingest = async (ib: { id: string; token: string }, identifier = `c-${uid()}`, extra: Record<string, unknown> = {}) => {
    const res = await sut.api('POST', `/inboxes/${ib.id}/incoming`, { token: ib.token, body: { externalId: uid(), contact: { identifier, ...extra }, text: 'hello' } });
    expect(res.status).toBe(201);
    return res.body as { conversationId: string; messageId: string };
  };
  const contactOf = async (conversationId: string) => (await db.query(`SELECT contact_id FROM conversations WHERE id = $1`, [conversationId])).rows[0].contact_id as string;

  describe('contacts', () => {
    it('shows an agent only the contacts who wrote to their inboxes, through every route', async () => {
      const [one, two] = [await inbox(), await inbox()];
      const [a1, a2] = [await user('agent'), await user('agent')];
      await member(one.id, a1.id);
      await member(two.id, a2.id);
      const name = `Secret ${uid()}`;
      const contactId = await contactOf((await ingest(one, `s-${uid()}`, { name })).conversationId);

      expect((await sut.api('GET', `/contacts/${contactId}`, { token: a1.token })).status).toBe(200);
      expect((await sut.api('GET', `/contacts/${contactId}`, { token: a2.token })).status).toBe(404);
      expect((await sut.api('PATCH', `/contacts/${contactId}`, { token: a2.token, body: { notes: 'mine now' } })).status).toBe(404);
      const search = (token: string) => sut.api('GET', `/contacts?search=${encodeURIComponent(name)}`, { token });
      expect((await search(a1.token)).body.items.map((c: { id: string }) => c.id)).toEqual([contactId]);
      expect((await search(a2.token)).body.items).toEqual([]);
      expect((await sut.api('GET', '/contacts?limit=200', { token: a2.token })).body.items.map((c: { id: string }) => c.id)).not.toContain(contactId);
      expect((await search(admin)).body.items.map((c: { id: string }) => c.id)).toEqual([contactId]);
    });

    it('lets only coordinators and admins merge, with an explicit confirmation', async () => {
      const ib = await inbox();
      const agent = await user('agent');
      const coordinator = await user('coordinator');
      await member(ib.id, agent.id);
      const target = await contactOf((await ingest(ib)).conversationId);
      const source = await contactOf((await ingest(ib)).conversationId);

      const byAgent = await sut.api('POST', `/contacts/${target}/merge`, { token: agent.token, body: { sourceId: source, confirm: true } });
      expect(byAgent.status).toBe(403);
      const unconfirmed = await sut.api('POST', `/contacts/${target}/merge`, { token: coordinator.token, body: { sourceId: source } });
      expect(unconfirmed.status).toBe(400);
      expect(unconfirmed.body.details.fields).toHaveProperty('confirm');
      const merged = await sut.api('POST', `/contacts/${target}/merge`, { token: coordinator.token, body: { sourceId: source, confirm: true } });
      expect(merged.status).toBe(201);
      expect(merged.body.identities).toHaveLength(2);
    });

    it('sends a reply to the identity the conversation came from, whatever a merge adds', async () => {
      const receiver = await startWebhookReceiver();
      try {
        const ib = await inbox({ webhookUrl: receiver.url });
        const original = `orig-${uid()}`;
        const { conversationId } = await ingest(ib, original);
        const victim = await contactOf(conversationId);
        // An older contact with an identity on the same channel: before the fix, the merged
        // contact's oldest identity (this one) received the replies.
        const attacker = `attacker-${uid()}`;
        const olderConversation = await ingest(ib, attacker);
        const attackerContact = await contactOf(olderConversation.conversationId);
        await db.query(`UPDATE contact_identities SET created_at = now() - interval '1 day' WHERE address = $1`, [attacker]);
        expect((await sut.api('POST', `/contacts/${victim}/merge`, { token: admin, body: { sourceId: attackerContact, confirm: true } })).status).toBe(201);

        const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'your answer' } });
        expect(reply.status).toBe(201);
        const delivered = await eventually(async () => receiver.received.find((r) => r.json?.message?.id === reply.body.id), 15000, 'webhook delivery');
        expect(delivered.json.contact.identifier).toBe(original);
      } finally {
        await receiver.close();
      }
    });
  });

  describe('sockets follow current rights', () => {
    const allOnline = (ids: string[]) =>
      eventually(
        async () => (await db.query(`SELECT count(*)::int AS n FROM agent_status WHERE user_id = ANY($1) AND presence = 'online'`, [ids])).rows[0].n === ids.length,
        15000,
        'agents online',
      );

    it('a team member outside the inbox receives none of its conversations', async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}` } })).body;
      const ib = await inbox({ teamId: team.id });
      const outsider = await user('agent');
      const insider = await user('agent');
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: outsider.id } });
      await member(ib.id, insider.id);
      const [out, inn] = [await connect(sut, outsider.token), await connect(sut, insider.token)];
      const { conversationId } = await ingest(ib);
      await inn.waitFor('message.created', (d) => d.conversationId === conversationId);
      // The insider got it through the same fan-out; give the outsider's copy (if any) time to land.
      await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'note', private: true } });
      await inn.waitFor('message.created', (d) => d.conversationId === conversationId && d.kind === 'note');
      expect(out.events.filter((e) => e.payload?.data?.conversationId === conversationId || e.payload?.data?.id === conversationId)).toEqual([]);
      expect((await sut.api('GET', `/conversations/${conversationId}`, { token: outsider.token })).status).toBe(403);
    });

    it('removal from an inbox on one replica closes the socket on the other, and the reconnected socket no longer hears the inbox', async () => {
      const ib = await inbox();
      const agent = await user('agent');
      await member(ib.id, agent.id);
      const s = await connect(other, agent.token);
      const first = await ingest(ib);
      await s.waitFor('message.created', (d) => d.conversationId === first.conversationId);
      await s.emit('conversation.join', { conversationId: first.conversationId });

      const closed = new Promise<string>((resolve) => s.socket.once('disconnect', resolve));
      expect((await sut.api('DELETE', `/inboxes/${ib.id}/members/${agent.id}`, { token: admin })).status).toBe(204);
      expect(await s.waitFor('session.ended')).toEqual({ code: 'ACCESS_CHANGED' });
      expect(await closed).toBe('io server disconnect');

      const again = await connect(other, agent.token);
      const watcher = await connect(other, admin);
      const second = await ingest(ib);
      await watcher.waitFor('message.created', (d) => d.conversationId === second.conversationId);
      expect(again.events.filter((e) => e.payload?.data?.conversationId === second.conversationId)).toEqual([]);
      expect(await again.emit('conversation.join', { conversationId: first.conversationId })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    });

    it('a demoted coordinator cannot command, even on the socket opened before the demotion', async () => {
      const ib = await inbox();
      const coordinator = await user('coordinator');
      const agent = await user('agent');
      await member(ib.id, agent.id);
      const { conversationId } = await ingest(ib);
      const s = await connect(sut, coordinator.token);
      // Without Redis-carried disconnects (a replica without a shared adapter), the per-command check alone must hold.
      expect((await sut.api('PATCH', `/users/${coordinator.id}`, { token: admin, body: { role: 'agent' } })).status).toBe(200);
      const ack = await s.emit('coordinator.assign', { conversationId, agentId: agent.id, force: true }).catch(() => ({ ok: false, code: 'DISCONNECTED' }));
      expect(ack.ok).toBe(false);
      expect(await assigneeOf(conversationId)).toBeNull();
    });

    it('deactivation closes open sockets on every replica and the handshake refuses the token', async () => {
      const agent = await user('agent');
      const s = await connect(other, agent.token);
      expect((await sut.api('PATCH', `/users/${agent.id}`, { token: admin, body: { active: false } })).status).toBe(200);
      expect(await s.waitFor('session.ended')).toEqual({ code: 'SESSION_REVOKED' });
      await expect(connectSocket(other.url, agent.token)).rejects.toMatchObject({ data: { code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' } });
      expect((await sut.api('GET', '/auth/me', { token: agent.token })).status).toBe(401);
    });

    it('rotating a bot token closes the sockets opened with the old one', async () => {
      const bot = (await sut.api('POST', '/bots', { token: admin, body: { name: `Bot ${uid()}` } })).body;
      const s = await connect(other, bot.token);
      expect((await sut.api('POST', `/bots/${bot.id}/token`, { token: admin })).status).toBe(201);
      expect(await s.waitFor('session.ended')).toEqual({ code: 'SESSION_REVOKED' });
      await expect(connectSocket(other.url, bot.token)).rejects.toMatchObject({ data: { code: 'UNAUTHENTICATED' } });
    });

    it('ends a socket when its token expires, with a code the client re-authenticates from', async () => {
      const agent = await user('agent');
      const short = jwt.sign({ sub: agent.id, role: 'agent', name: agent.name, tv: 0 }, JWT_SECRET, { expiresIn: 2 });
      const s = await connect(sut, short);
      expect(await s.waitFor('session.ended', () => true, 10000)).toEqual({ code: 'SESSION_EXPIRED' });
      await eventually(async () => !s.socket.connected, 5000, 'socket closed');
      await expect(connectSocket(sut.url, short)).rejects.toMatchObject({ data: { code: 'UNAUTHENTICATED', reason: 'SESSION_EXPIRED' } });
    });

    it('takes user tokens signed with HS256 only', async () => {
      const agent = await user('agent');
      const claims = { sub: agent.id, role: 'agent', name: agent.name, tv: 0 };
      expect((await sut.api('GET', '/auth/me', { token: jwt.sign(claims, JWT_SECRET, { expiresIn: 60 }) })).status).toBe(200);
      expect((await sut.api('GET', '/auth/me', { token: jwt.sign(claims, JWT_SECRET, { expiresIn: 60, algorithm: 'HS512' }) })).status).toBe(401);
      await expect(connectSocket(sut.url, jwt.sign(claims, JWT_SECRET, { algorithm: 'HS384' }))).rejects.toMatchObject({ data: { code: 'UNAUTHENTICATED' } });
    });

    it("routing only assigns members of the conversation's inbox, and explains the wait", async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}` } })).body;
      const ib = await inbox({ teamId: team.id });
      const agent = await user('agent');
      await sut.api('POST', `/teams/${team.id}/members`, { token: admin, body: { userId: agent.id } });
      const s = await connect(sut, agent.token);
      await allOnline([agent.id]);
      const { conversationId } = await ingest(ib);
      const reason = await eventually(
        async () => (await db.query(`SELECT assignment_reason FROM conversations WHERE id = $1`, [conversationId])).rows[0].assignment_reason,
        15000,
        'a wait reason',
      );
      expect(reason).toMatch(/member of this conversation's inbox/);
      expect(await assigneeOf(conversationId)).toBeNull();
      // A coordinator cannot hand it to a non-member either.
      const coordinator = await user('coordinator');
      const refused = await sut.api('POST', `/conversations/${conversationId}/assign`, { token: coordinator.token, body: { agentId: agent.id, force: true } });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('AGENT_NOT_ELIGIBLE');

      await member(ib.id, agent.id);
      const again = await connect(sut, agent.token); // the first socket was closed by ACCESS_CHANGED
      void s;
      await eventually(async () => (await assigneeOf(conversationId)) === agent.id, 15000, 'assignment after joining the inbox');
      await again.waitFor('conversation.assigned', (d) => d.conversationId === conversationId);
    });

    it("leaving an inbox hands the agent's conversations of that inbox back to the queue", async () => {
      const ib = await inbox();
      const agent = await user('agent');
      await member(ib.id, agent.id);
      await connect(sut, agent.token);
      await allOnline([agent.id]);
      const { conversationId } = await ingest(ib);
      await eventually(async () => (await assigneeOf(conversationId)) === agent.id, 15000, 'assigned');
      await sut.api('DELETE', `/inboxes/${ib.id}/members/${agent.id}`, { token: admin });
      await eventually(async () => (await assigneeOf(conversationId)) === null, 15000, 'requeued');
      const log = (await db.query(`SELECT reason_code FROM assignment_log WHERE conversation_id = $1 AND action = 'requeue'`, [conversationId])).rows;
      expect(log).toEqual([{ reason_code: 'requeued_removed_from_inbox' }]);
    });

    const assigneeOf = async (id: string) => (await db.query(`SELECT assignee_id FROM conversations WHERE id = $1`, [id])).rows[0].assignee_id as string | null;
  });

  describe('sessions', () => {
    it('a password change needs the current password and ends every other session', async () => {
      const agent = await user('agent');
      const elsewhere = await sut.login(agent.email, 'a-password-1');
      const s = await connect(other, elsewhere);
      const wrong = await sut.api('POST', '/auth/password', { token: agent.token, body: { currentPassword: 'nope', newPassword: 'a-new-password-2' } });
      expect(wrong.status).toBe(400);
      expect(wrong.body.details.fields).toHaveProperty('currentPassword');
      const ok = await sut.api('POST', '/auth/password', { token: agent.token, body: { currentPassword: 'a-password-1', newPassword: 'a-new-password-2' } });
      expect(ok.status).toBe(200);
      expect((await sut.api('GET', '/auth/me', { token: elsewhere })).status).toBe(401);
      expect((await sut.api('GET', '/auth/me', { token: agent.token })).status).toBe(401);
      expect((await sut.api('GET', '/auth/me', { token: ok.body.accessToken })).status).toBe(200);
      expect(await s.waitFor('session.ended')).toEqual({ code: 'SESSION_REVOKED' });
      expect(await sut.login(agent.email, 'a-new-password-2')).toBeTruthy();
    });

    it('sign out everywhere and an admin password reset end sessions at once', async () => {
      const agent = await user('agent');
      const second = await sut.login(agent.email, 'a-password-1');
      expect((await sut.api('POST', '/auth/logout-all', { token: agent.token })).status).toBe(204);
      expect((await sut.api('GET', '/auth/me', { token: second })).status).toBe(401);

      const fresh = await sut.login(agent.email, 'a-password-1');
      expect((await sut.api('PATCH', `/users/${agent.id}`, { token: admin, body: { password: 'reset-by-admin-1' } })).status).toBe(200);
      expect((await sut.api('GET', '/auth/me', { token: fresh })).status).toBe(401);

      const third = await sut.login(agent.email, 'reset-by-admin-1');
      expect((await sut.api('POST', `/users/${agent.id}/sessions/end`, { token: admin })).status).toBe(204);
      expect((await sut.api('GET', '/auth/me', { token: third })).status).toBe(401);
    });
  });

  describe('one permission policy for REST and sockets', () => {
    type Role = 'admin' | 'coordinator' | 'agent' | 'bot';
    const ROLES: Role[] = ['admin', 'coordinator', 'agent', 'bot'];

    /** Each policy action reachable through a door, and how to knock on it. */
    interface Door {
      action: Action;
      rest?: (id: string, ctx: Ctx) => [string, string, unknown?];
      socket?: (id: string, ctx: Ctx) => [string, unknown];
    }
    interface Ctx {
      inboxId: string;
      agentId: string;
      teamId: string;
      contactId: string;
      otherContactId: string;
    }
    const doors: Door[] = [
      {
        action: 'conversation.assign',
        rest: (id, c) => ['POST', `/conversations/${id}/assign`, { agentId: c.agentId, force: true }],
        socket: (id, c) => ['coordinator.assign', { conversationId: id, agentId: c.agentId, force: true }],
      },
      { action: 'conversation.takeover', rest: (id) => ['POST', `/conversations/${id}/takeover`], socket: (id) => ['coordinator.takeover', { conversationId: id }] },
      { action: 'conversation.unassign', rest: (id) => ['POST', `/conversations/${id}/unassign`], socket: (id) => ['coordinator.unassign', { conversationId: id }] },
      {
        action: 'conversation.transfer',
        rest: (id, c) => ['POST', `/conversations/${id}/transfer`, { teamId: c.teamId }],
        socket: (id, c) => ['coordinator.transfer', { conversationId: id, teamId: c.teamId }],
      },
      {
        action: 'conversation.priority',
        rest: (id) => ['PATCH', `/conversations/${id}`, { priority: 2 }],
        socket: (id) => ['coordinator.priority', { conversationId: id, priority: 2 }],
      },
      { action: 'conversation.assignments', rest: (id) => ['GET', `/conversations/${id}/assignments`] },
      { action: 'conversation.read', rest: (id) => ['GET', `/conversations/${id}`] },
      { action: 'conversation.join', socket: (id) => ['conversation.join', { conversationId: id }] },
      { action: 'routing.stats', rest: () => ['GET', '/routing/stats'] },
      { action: 'reports.read', rest: () => ['GET', '/reports/kpis'] },
      { action: 'reports.export', rest: () => ['GET', '/reports/conversations?format=csv'] },
      { action: 'csat.read', rest: (id) => ['GET', `/conversations/${id}/csat`] },
      { action: 'csat.manage', rest: (_, c) => ['GET', `/inboxes/${c.inboxId}/csat`] },
      { action: 'qa.manage', rest: () => ['POST', '/qa/scorecards', { name: `Card ${uid()}`, criteria: [{ key: 'tone', label: 'Tone', weight: 1, scale: '0-2' }] }] },
      { action: 'qa.review', rest: () => ['GET', '/qa/scorecards'] },
      { action: 'qa.read_own', rest: () => ['GET', '/qa/reviews/mine'] },
      { action: 'contact.read', rest: (_, c) => ['GET', `/contacts/${c.contactId}`] },
      { action: 'contact.merge', rest: (_, c) => ['POST', `/contacts/${c.contactId}/merge`, { sourceId: c.otherContactId, confirm: true }] },
      { action: 'presence.set', socket: () => ['presence.set', { presence: 'away' }] },
      { action: 'search.read', rest: () => ['GET', '/search?q=hello'] },
      { action: 'kb.read', rest: () => ['GET', '/kb/articles'] },
      { action: 'kb.write', rest: () => ['POST', '/kb/preview', { body: '# hello' }] },
      { action: 'conversation.escalate', rest: (id, c) => ['POST', `/conversations/${id}/escalate`, { teamId: c.teamId, note: 'over to billing' }] },
      { action: 'conversation.claim', rest: (id) => ['POST', `/conversations/${id}/claim`] },
      { action: 'sla.manage', rest: () => ['GET', '/sla-policies'] },
      { action: 'rules.manage', rest: () => ['GET', '/automation-rules'] },
      // A closed local port: the check answers 200 with CONNECTION_REFUSED for each part, no mail server needed.
      {
        action: 'inbox.manage',
        rest: () => [
          'POST',
          '/inboxes/test-email-connection',
          {
            imap: { host: '127.0.0.1', port: 1, secure: false, allowInsecureAuth: true, user: 'u', password: 'p' },
            smtp: { host: '127.0.0.1', port: 1, secure: false, allowInsecureAuth: true },
          },
        ],
      },
      { action: 'conversation.handoff', rest: (id) => ['POST', `/conversations/${id}/handoff`, { note: 'over to you' }] },
      { action: 'conversation.create', rest: (_, c) => ['POST', '/conversations', { inboxId: c.inboxId, contact: { identifier: `new-${uid()}` }, text: 'hello first' }] },
      { action: 'webhook.manage', rest: () => ['GET', '/webhooks'] },
      { action: 'mention.create', rest: (id, c) => ['POST', `/conversations/${id}/messages`, { text: 'have a look', private: true, mentions: [c.agentId] }] },
      { action: 'mention.create', rest: (id) => ['GET', `/conversations/${id}/mentionable`] },
      { action: 'mention.read', rest: () => ['GET', '/mentions?unread=true'] },
      { action: 'mention.read', rest: (id) => ['POST', '/mentions/read', { conversationId: id }] },
      { action: 'channel.post', rest: (_, c) => ['POST', `/inboxes/${c.inboxId}/messages`, { target: `to-${uid()}`, text: 'posted by an integration' }] },
    ];

    it('walks every action × role through both doors and finds exactly the table', async () => {
      const team = (await sut.api('POST', '/teams', { token: admin, body: { name: `Team ${uid()}` } })).body;
      const ib = await inbox({ teamId: team.id });
      const tokens: Record<Role, string> = {
        admin,
        coordinator: (await user('coordinator')).token,
        agent: '',
        bot: (await sut.api('POST', '/bots', { token: admin, body: { name: `Bot ${uid()}` } })).body.token,
      };
      const agent = await user('agent');
      await member(ib.id, agent.id);
      tokens.agent = agent.token;
      const target = await user('agent');
      await member(ib.id, target.id);
      const socketsByRole = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await connect(sut, tokens[r])]))) as Record<Role, RecordingSocket>;

      const mismatches: string[] = [];
      for (const door of doors) {
        const allowed = POLICY[door.action] as readonly string[];
        for (const role of ROLES) {
          // A fresh conversation and contacts per attempt, so one door's effect never blocks the next.
          const conv = await ingest(ib);
          const ctx: Ctx = {
            inboxId: ib.id,
            agentId: target.id,
            teamId: team.id,
            contactId: await contactOf(conv.conversationId),
            otherContactId: await contactOf((await ingest(ib)).conversationId),
          };
          if (door.rest) {
            const [method, path, body] = door.rest(conv.conversationId, ctx);
            const res = await sut.api(method, path, { token: tokens[role], body });
            const got = res.status === 403 ? 'refused' : res.status < 300 ? 'allowed' : `status ${res.status} ${JSON.stringify(res.body)}`;
            const want = allowed.includes(role) ? 'allowed' : 'refused';
            if (got !== want) mismatches.push(`REST ${door.action} as ${role}: ${got}, policy says ${want}`);
          }
          if (door.socket) {
            const [event, payload] = door.socket(conv.conversationId, ctx);
            const ack = await socketsByRole[role].emit(event, payload);
            const got = ack.ok ? 'allowed' : ack.code === 'FORBIDDEN' ? 'refused' : `ack ${JSON.stringify(ack)}`;
            const want = allowed.includes(role) ? 'allowed' : 'refused';
            if (got !== want) mismatches.push(`socket ${event} (${door.action}) as ${role}: ${got}, policy says ${want}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
      // Every action of the table is exercised by at least one door or stated to be covered elsewhere.
      const covered = new Set<string>([
        ...doors.map((d) => d.action),
        'conversation.reply',
        'conversation.update',
        'conversation.typing',
        'offer.respond',
        'contact.update',
        'events.replay',
      ]);
      expect(ACTIONS.filter((a) => !covered.has(a))).toEqual([]);
    }, 180_000);
  });

  describe('handshake', () => {
    it('tells an expired token apart from a bad one', async () => {
      const socket = io(sut.url, { auth: { token: 'nope' }, transports: ['websocket'], reconnection: false, forceNew: true });
      const err: any = await new Promise((resolve) => socket.once('connect_error', resolve));
      socket.close();
      expect(err.data.code).toBe('UNAUTHENTICATED');
      expect(err.data.reason).toBeUndefined();
    });
  });
});
