import { Client } from 'pg';
import { TestApp, bootFixture, eventually, uid } from './helpers/app';
import { RecordingSocket, connectSocket } from './helpers/sockets';
import { statementsDuring } from './helpers/statements';
import { RoutingScheduler } from '../apps/server/src/routing/routing-scheduler.service';

/**
 * While no online agent has room, new conversations do not each make routing read the agents
 * again: one pass a moment after the read that found the house full covers them all. Room that
 * opens here (an agent coming online) is used at once; room that opens where no event here tells
 * (another replica's agent, a capacity changed in the database) within that moment.
 */
describe('routing while no agent has room', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let scheduler: RoutingScheduler;
  const sockets: RecordingSocket[] = [];

  beforeAll(async () => {
    ({ sut, admin, db } = await bootFixture({ PRESENCE_GRACE_SECONDS: '1' }));
    scheduler = sut.server.app.get(RoutingScheduler);
  });

  afterAll(async () => {
    while (sockets.length) sockets.pop()!.close();
    await sut?.close();
  });

  it('reads the agents once for a burst, not once a conversation, and assigns as soon as room opens', async () => {
    const inbox = (await sut.api('POST', '/inboxes', { token: admin, body: { name: `Inbox ${uid()}`, channel: 'api' } })).body;
    const ingest = async () =>
      (await sut.api('POST', `/inboxes/${inbox.id}/incoming`, { token: inbox.token, body: { externalId: uid(), contact: { identifier: `c-${uid()}` }, text: 'help' } })).body
        .conversationId as string;
    const waiting = async () => (await db.query(`SELECT count(*)::int AS n FROM conversations WHERE inbox_id = $1 AND assignee_id IS NULL`, [inbox.id])).rows[0].n;

    // Nobody online: the first conversation's pass finds the house full.
    const full = scheduler.stats.skippedFull;
    const ids = [await ingest()];
    await eventually(async () => scheduler.stats.skippedFull > full, 15000, 'a pass that found no room');
    await scheduler.idle();
    const deferred = scheduler.stats.deferredFull;
    const { sent } = await statementsDuring(async () => {
      for (let i = 0; i < 10; i++) ids.push(await ingest());
      await scheduler.idle();
    });
    expect(scheduler.stats.deferredFull - deferred).toBe(10);
    // Without the deferral every one of the ten read the agents again (each ingest waits for its response).
    expect(sent.filter((t) => /routing_state/.test(t)).length).toBeLessThan(10);
    expect(await waiting()).toBe(11);

    const agent = async () => {
      const email = `agent-${uid()}@example.com`;
      const user = (await sut.api('POST', '/users', { token: admin, body: { email, name: 'Agent', password: 'agent-password', role: 'agent', capacity: { api: 4 } } })).body;
      await sut.api('POST', `/inboxes/${inbox.id}/members`, { token: admin, body: { userId: user.id } });
      return { id: user.id as string, token: await sut.login(email, 'agent-password') };
    };
    const assignedTo = async (id: string) => (await db.query(`SELECT count(*)::int AS n FROM conversations WHERE inbox_id = $1 AND assignee_id = $2`, [inbox.id, id])).rows[0].n;

    // Room opens where no event here tells (as another replica's agent coming online would): the
    // next conversation waits for the pass after the full house's moment, which assigns.
    const elsewhere = await agent();
    await db.query(`INSERT INTO agent_status (user_id, presence) VALUES ($1, 'online') ON CONFLICT (user_id) DO UPDATE SET presence = 'online'`, [elsewhere.id]);
    ids.push(await ingest());
    await eventually(async () => (await assignedTo(elsewhere.id)) === 4, 15000, 'four assigned to the agent online elsewhere');
    expect(await waiting()).toBe(8);

    // An agent comes online here: the pass runs at once and takes the next four.
    const here = await agent();
    const socket = await connectSocket(sut.url, here.token);
    sockets.push(socket);
    await eventually(async () => (await assignedTo(here.id)) === 4, 15000, 'four assigned to the agent online here');
    expect(await waiting()).toBe(4);
  });
});
