import { Client } from 'pg';
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { TestApp, bootApp, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { RoutingScheduler } from '../apps/server/src/routing/routing-scheduler.service';
import { ROUTING_LEADER_LOCK } from '../apps/server/src/routing/routing-leader';

/**
 * Two replicas on one database: the one holding the routing lock runs the passes, the other sends
 * it its wake-ups (new conversations, room that opened) instead of reading the queue and the
 * agents again for the same decisions. When the leader stops, the other takes the lock and routes
 * what waits.
 */
describe('one replica leads the routing passes', () => {
  let a: TestApp;
  let b: TestApp | null = null;
  let leaderClosed = false;
  let admin: string;
  let db: Client;
  const sockets: RecordingSocket[] = [];
  const scheduler = (app: TestApp) => app.server.app.get(RoutingScheduler);

  // Events reach another replica's sockets through Redis (socket.io's adapter), as in production.
  let redis: Record<string, string> = {};

  beforeAll(async () => {
    const answers = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port: 6379 }, () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
      s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    });
    if (answers) redis = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `leader-${randomBytes(4).toString('hex')}` };
    a = await bootApp({ PRESENCE_GRACE_SECONDS: '1', ...redis });
    admin = await a.login();
    // A client of its own: the database outlives the first replica here.
    db = new Client({ connectionString: a.databaseUrl });
    await db.connect();
    await eventually(async () => scheduler(a).leadership?.state === 'leader', 15000, 'the first replica to lead');
    b = await bootApp({ DATABASE_URL: a.databaseUrl, PRESENCE_GRACE_SECONDS: '1', ...redis });
  });

  afterAll(async () => {
    while (sockets.length) sockets.pop()!.close();
    await b?.close();
    if (!leaderClosed) await a?.close();
    await db?.end();
  });

  it('routes what the follower hears through the leader, and the follower takes over when the leader stops', async () => {
    const follower = scheduler(b!);
    await eventually(async () => follower.leadership?.state === 'follower', 15000, 'the second replica to follow');
    // The lock is held by one session: the leader's.
    const holders = await db.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [ROUTING_LEADER_LOCK],
    );
    expect(holders.rows[0].n).toBe(1);

    const inbox = (await a.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api' } })).body;
    const email = `agent-${uid()}@example.com`;
    const agent = (await a.api('POST', '/users', { token: admin, body: { email, name: 'Agent', password: 'agent-password', role: 'agent', capacity: { api: 10 } } })).body;
    await a.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: agent.id } });
    const assignee = async (id: string) => (await db.query(`SELECT assignee_id FROM conversations WHERE id = $1`, [id])).rows[0]?.assignee_id ?? null;
    const ingest = async (app: TestApp) =>
      (await app.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: `c-${uid()}` }, text: 'help' } })).body
        .conversationId as string;

    // The agent comes online on the follower, and customers write to it: the leader assigns.
    const leader = scheduler(a);
    const before = { leaderPasses: leader.stats.passes, followerPasses: follower.stats.passes, forwarded: follower.stats.forwarded, at: Date.now() };
    const socket = await connectSocket(b!.url, await b!.login(email, 'agent-password'));
    sockets.push(socket);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await ingest(b!);
      ids.push(id);
      await eventually(async () => (await assignee(id)) === agent.id, 15000, `conversation ${i + 1} assigned`);
    }
    await follower.idle();
    expect(follower.stats.forwarded - before.forwarded).toBeGreaterThanOrEqual(3);
    expect(leader.stats.passes - before.leaderPasses).toBeGreaterThanOrEqual(3);
    // The follower's own passes are its periodic ones only (every 5 s), none for what it heard.
    expect(follower.stats.passes - before.followerPasses).toBeLessThanOrEqual(Math.ceil((Date.now() - before.at) / 5000));
    // The assignments reached the agent's socket on the follower (through Redis; without it, replicas do not share events).
    if (redis.REDIS_URL)
      await eventually(
        async () => ids.every((id) => socket.events.some((e) => e.event === 'conversation.assigned' && e.payload?.data?.conversationId === id)),
        5000,
        'the assignments on the agent socket',
      );

    // The leader stops; a conversation that comes meanwhile waits for the new leader, which routes it.
    await a.close();
    leaderClosed = true;
    const waiting = await ingest(b!);
    await eventually(async () => follower.leadership?.state === 'leader', 15000, 'the follower to take the lead');
    await eventually(async () => (await assignee(waiting)) === agent.id, 15000, 'the waiting conversation assigned by the new leader');
    const next = await ingest(b!);
    await eventually(async () => (await assignee(next)) === agent.id, 15000, 'the next conversation assigned');

    // A replica without the election (ROUTING_LEADER=false, as behind a transaction-mode PgBouncer)
    // routes what it hears itself, beside the leader.
    const solo = await bootApp({ DATABASE_URL: a.databaseUrl, PRESENCE_GRACE_SECONDS: '1', ROUTING_LEADER: 'false', ...redis });
    try {
      const own = scheduler(solo);
      expect(own.leadership).toBeNull();
      const passes = own.stats.passes;
      const alone = await ingest(solo);
      await eventually(async () => (await assignee(alone)) === agent.id, 15000, 'the conversation heard by the replica without election assigned');
      await own.idle();
      expect(own.stats.passes).toBeGreaterThan(passes);
      expect(own.stats.forwarded).toBe(0);
    } finally {
      await solo.close();
    }
  });
});
