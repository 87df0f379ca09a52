import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { AgentLoads1766270000000 } from '../libs/core/src/db/migrations/1766270000000-AgentLoads';
import { mulberry32 } from '../libs/routing/src/engine-bench';
import { createTestDatabase } from './helpers/test-database';

/**
 * `agent_loads`, each agent's open conversations plus pending offers per channel kind, is kept by
 * triggers on `conversations` (migration AgentLoads) and read by routing instead of counting. These
 * checks compare it with the count it replaces, `(assignee_id = agent AND status = 'open') OR
 * offered_to_id = agent`, after every kind of write: single and many-row updates from concurrent
 * transactions, rolled-back ones, deletes, a deleted agent, TRUNCATE, and the migration's count of
 * the rows that existed before it.
 */
const RECOUNT = `SELECT agent_id, channel, n FROM (
    SELECT u.id AS agent_id, c.channel, count(*)::int AS n FROM users u
    JOIN conversations c ON (c.assignee_id = u.id AND c.status = 'open') OR c.offered_to_id = u.id
    GROUP BY u.id, c.channel) x ORDER BY 1, 2`;
const COUNTERS = `SELECT agent_id, channel, n FROM agent_loads WHERE n <> 0 ORDER BY 1, 2`;
const CHANNELS = ['api', 'email', 'webchat'];
const STATUSES = ['open', 'open', 'open', 'pending', 'snoozed', 'resolved'];

describe('agent loads kept by triggers', () => {
  let url: string;
  let pool: Pool;
  let agents: string[];
  let inboxId: string;
  let contactId: string;

  beforeAll(async () => {
    url = await createTestDatabase();
    pool = new Pool({ connectionString: url, max: 6 });
    agents = [];
    for (let i = 0; i < 4; i++) {
      const { rows } = await pool.query(`INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, 'x', 'agent') RETURNING id`, [`load${i}@example.test`, `Load ${i}`]);
      agents.push(rows[0].id);
    }
    inboxId = (await pool.query(`INSERT INTO inboxes (name, channel) VALUES ('loads', 'api') RETURNING id`)).rows[0].id;
    contactId = (await pool.query(`INSERT INTO contacts DEFAULT VALUES RETURNING id`)).rows[0].id;
  });

  afterAll(async () => {
    await pool?.end();
  });

  const expectCountersMatch = async () => {
    const [counters, recount] = await Promise.all([pool.query(COUNTERS), pool.query(RECOUNT)]);
    expect(counters.rows).toEqual(recount.rows);
    return recount.rows.length;
  };

  let threads = 0;
  /** A conversation owned by `agent` as assignee (`offer`: as a pending offer), or nobody's. */
  const insert = async (db: Pool | PoolClient, channel: string, status: string, agent: string | null, offer = false): Promise<string> => {
    const { rows } = await db.query(
      `INSERT INTO conversations (inbox_id, channel, contact_id, thread_key, status, snoozed_until, assignee_id, offered_to_id, offer_expires_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 = 'snoozed' THEN now() + interval '1 hour' END, $6, $7, CASE WHEN $7::uuid IS NULL THEN NULL ELSE now() + interval '1 minute' END)
       RETURNING id`,
      [inboxId, channel, contactId, `t${++threads}`, offer ? 'open' : status, offer ? null : agent, offer ? agent : null],
    );
    return rows[0].id;
  };

  it('counts what each write changes: assign, offer, accept, decline, status, channel, delete', async () => {
    const [a, b] = agents;
    const id = await insert(pool, 'api', 'open', null);
    expect(await expectCountersMatch()).toBe(0);
    await pool.query(`UPDATE conversations SET offered_to_id = $2, offer_expires_at = now() + interval '1 minute' WHERE id = $1`, [id, a]);
    expect(await expectCountersMatch()).toBe(1);
    // Accepting an offer keeps the count with the same agent.
    await pool.query(`UPDATE conversations SET offered_to_id = NULL, offer_expires_at = NULL, assignee_id = $2 WHERE id = $1`, [id, a]);
    await expectCountersMatch();
    await pool.query(`UPDATE conversations SET assignee_id = $2 WHERE id = $1`, [id, b]);
    await expectCountersMatch();
    await pool.query(`UPDATE conversations SET channel = 'email' WHERE id = $1`, [id]);
    await expectCountersMatch();
    await pool.query(`UPDATE conversations SET status = 'pending' WHERE id = $1`, [id]);
    expect(await expectCountersMatch()).toBe(0);
    await pool.query(`UPDATE conversations SET status = 'open' WHERE id = $1`, [id]);
    expect(await expectCountersMatch()).toBe(1);
    // A write that changes nothing routing counts (a message's times) leaves the count alone.
    await pool.query(`UPDATE conversations SET last_message_at = now(), updated_at = now() WHERE id = $1`, [id]);
    await expectCountersMatch();
    await pool.query(`DELETE FROM conversations WHERE id = $1`, [id]);
    expect(await expectCountersMatch()).toBe(0);
    const { rows } = await pool.query(`SELECT n FROM agent_loads WHERE agent_id = $1 AND channel = 'email'`, [b]);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('stays equal to the count under concurrent transactions, many-row updates and rollbacks', async () => {
    // Seeded (the workers' interleaving still varies from run to run).
    const rnd = mulberry32(20261206);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await insert(pool, pick(CHANNELS), pick(STATUSES), rnd() < 0.8 ? pick(agents) : null, rnd() < 0.15));
    await expectCountersMatch();

    // Each step: a statement a product path runs (or a many-row one no path runs today), on rows
    // chosen at random; assignee changes clear the offer, as every path does (offer xor assignee).
    const step = async (db: PoolClient) => {
      const id = pick(ids);
      const agent = pick(agents);
      switch (Math.floor(rnd() * 9)) {
        case 0:
          return db.query(`UPDATE conversations SET assignee_id = $2, offered_to_id = NULL, offer_expires_at = NULL WHERE id = $1`, [id, agent]);
        case 1:
          return db.query(`UPDATE conversations SET assignee_id = NULL, offered_to_id = $2, offer_expires_at = now() + interval '1 minute' WHERE id = $1`, [id, agent]);
        case 2:
          return db.query(`UPDATE conversations SET assignee_id = coalesce(offered_to_id, assignee_id), offered_to_id = NULL, offer_expires_at = NULL WHERE id = $1`, [id]);
        case 3: {
          const status = pick(STATUSES);
          return db.query(`UPDATE conversations SET status = $2, snoozed_until = CASE WHEN $2 = 'snoozed' THEN now() + interval '1 hour' END WHERE id = $1`, [id, status]);
        }
        case 4:
          return db.query(`UPDATE conversations SET channel = $2 WHERE id = $1`, [id, pick(CHANNELS)]);
        case 5:
          return db.query(`UPDATE conversations SET assignee_id = NULL, offered_to_id = NULL, offer_expires_at = NULL WHERE id = $1`, [id]);
        case 6:
          // Many rows of several agents at once.
          return db.query(`UPDATE conversations SET status = CASE WHEN status = 'open' THEN 'resolved' ELSE 'open' END, snoozed_until = NULL WHERE id = ANY($1::uuid[])`, [
            [pick(ids), pick(ids), pick(ids)],
          ]);
        case 7: {
          const fresh = await insert(db, pick(CHANNELS), pick(STATUSES), agent, rnd() < 0.3);
          ids.push(fresh);
          return;
        }
        default:
          return db.query(`UPDATE conversations SET last_message_at = now() WHERE id = $1`, [id]);
      }
    };
    let committed = 0;
    let rolledBack = 0;
    let conflicts = 0;
    const worker = async () => {
      const db = await pool.connect();
      try {
        for (let t = 0; t < 60; t++) {
          await db.query('BEGIN');
          try {
            const steps = 1 + Math.floor(rnd() * 4);
            for (let s = 0; s < steps; s++) await step(db);
            if (rnd() < 0.2) {
              await db.query('ROLLBACK');
              rolledBack++;
            } else {
              await db.query('COMMIT');
              committed++;
            }
          } catch (err) {
            // Deadlocks between the many-row updates (and their rows' other locks) roll back whole.
            await db.query('ROLLBACK');
            if (!['40P01', '40001'].includes((err as { code?: string }).code ?? '')) throw err;
            conflicts++;
          }
        }
      } finally {
        db.release();
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(committed).toBeGreaterThan(100);
    expect(rolledBack).toBeGreaterThan(10);
    expect(conflicts).toBeLessThan(committed);
    expect(await expectCountersMatch()).toBeGreaterThan(3);
  });

  it('follows a deleted agent (their conversations let go) and TRUNCATE', async () => {
    const gone = (await pool.query(`INSERT INTO users (email, name, password_hash, role) VALUES ('gone@example.test', 'Gone', 'x', 'agent') RETURNING id`)).rows[0].id;
    await insert(pool, 'api', 'open', gone);
    await insert(pool, 'email', 'open', gone);
    await expectCountersMatch();
    await pool.query(`DELETE FROM users WHERE id = $1`, [gone]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM agent_loads WHERE agent_id = $1`, [gone])).rows[0].n).toBe(0);
    await expectCountersMatch();
    await pool.query(`TRUNCATE conversations CASCADE`);
    expect((await pool.query(`SELECT count(*)::int AS n FROM agent_loads`)).rows[0].n).toBe(0);
    expect(await expectCountersMatch()).toBe(0);
  });

  it('the migration counts the conversations that exist before it', async () => {
    const ds = new DataSource({ type: 'postgres', url });
    await ds.initialize();
    const runner = ds.createQueryRunner();
    try {
      const migration = new AgentLoads1766270000000();
      await migration.down(runner);
      for (let i = 0; i < 12; i++) await insert(pool, CHANNELS[i % 3], STATUSES[i % STATUSES.length], agents[i % agents.length], i % 5 === 0);
      await migration.up(runner);
      expect(await expectCountersMatch()).toBeGreaterThan(3);
      await insert(pool, 'api', 'open', agents[0]);
      await expectCountersMatch();
    } finally {
      await runner.release();
      await ds.destroy();
    }
  });
});
