import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each agent's load per channel kind (open conversations assigned to them plus pending offers, the
 * `load` routing checks capacity against), kept by row triggers on `conversations` in the same
 * transaction as the change, so reading it costs one index lookup per agent instead of counting
 * their conversations. Routing read the loads on every pass and again under the agents' locks for
 * every batch: with a few hundred open conversations an agent (a busy team, or the bench's
 * capacity of 1,000) the counting was most of a pass's database time (`conversation.assigned` p99
 * at 100 msg/s 27 to 40 -> 20 ms with the count left out, `npx node bench/profile-latency.mjs 3000
 * --rate=100 --agents=8`).
 *
 * A conversation counts for at most one agent: its offer's agent, else its assignee while it is
 * open (an offer and an assignee never coexist: conversations_offer_unassigned_check). The trigger
 * moves the count when that agent or the channel changes, the two rows in (agent, channel) order so
 * two transactions moving counts between the same agents wait for each other instead of
 * deadlocking. It fires only on rows whose owner can have changed (the WHEN clauses): a message
 * into a thread, which updates its conversation's times, runs no trigger. TRUNCATE empties the
 * counts with the conversations. Existing rows are counted under a lock that keeps writers out
 * until the triggers are in place.
 */
export class AgentLoads1766270000000 implements MigrationInterface {
  name = 'AgentLoads1766270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      LOCK TABLE conversations IN SHARE ROW EXCLUSIVE MODE;
      CREATE TABLE agent_loads (
        agent_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        channel text NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (agent_id, channel)
      );
      CREATE FUNCTION conversation_load_owner(status text, assignee_id uuid, offered_to_id uuid) RETURNS uuid
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN coalesce(offered_to_id, CASE WHEN status = 'open' THEN assignee_id END);
      CREATE FUNCTION conversations_agent_load() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        old_agent uuid;
        new_agent uuid;
        old_channel text;
        new_channel text;
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          old_agent := conversation_load_owner(OLD.status, OLD.assignee_id, OLD.offered_to_id);
          old_channel := OLD.channel;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          new_agent := conversation_load_owner(NEW.status, NEW.assignee_id, NEW.offered_to_id);
          new_channel := NEW.channel;
        END IF;
        IF old_agent IS NOT DISTINCT FROM new_agent AND old_channel IS NOT DISTINCT FROM new_channel THEN
          RETURN NULL;
        END IF;
        -- Both rows in (agent, channel) order: see the migration's comment.
        IF new_agent IS NOT NULL AND (old_agent IS NULL OR (new_agent, new_channel) < (old_agent, old_channel)) THEN
          INSERT INTO agent_loads (agent_id, channel, n) VALUES (new_agent, new_channel, 1)
            ON CONFLICT (agent_id, channel) DO UPDATE SET n = agent_loads.n + 1;
          new_agent := NULL;
        END IF;
        IF old_agent IS NOT NULL THEN
          UPDATE agent_loads SET n = n - 1 WHERE agent_id = old_agent AND channel = old_channel;
        END IF;
        IF new_agent IS NOT NULL THEN
          INSERT INTO agent_loads (agent_id, channel, n) VALUES (new_agent, new_channel, 1)
            ON CONFLICT (agent_id, channel) DO UPDATE SET n = agent_loads.n + 1;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER conversations_agent_load_insert AFTER INSERT ON conversations FOR EACH ROW
        WHEN (conversation_load_owner(NEW.status, NEW.assignee_id, NEW.offered_to_id) IS NOT NULL)
        EXECUTE FUNCTION conversations_agent_load();
      CREATE TRIGGER conversations_agent_load_update AFTER UPDATE ON conversations FOR EACH ROW
        WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR OLD.offered_to_id IS DISTINCT FROM NEW.offered_to_id
              OR OLD.status IS DISTINCT FROM NEW.status OR OLD.channel IS DISTINCT FROM NEW.channel)
        EXECUTE FUNCTION conversations_agent_load();
      CREATE TRIGGER conversations_agent_load_delete AFTER DELETE ON conversations FOR EACH ROW
        WHEN (conversation_load_owner(OLD.status, OLD.assignee_id, OLD.offered_to_id) IS NOT NULL)
        EXECUTE FUNCTION conversations_agent_load();
      CREATE FUNCTION conversations_agent_load_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM agent_loads;
        RETURN NULL;
      END $$;
      CREATE TRIGGER conversations_agent_load_truncate AFTER TRUNCATE ON conversations FOR EACH STATEMENT
        EXECUTE FUNCTION conversations_agent_load_truncate();
      INSERT INTO agent_loads (agent_id, channel, n)
        SELECT conversation_load_owner(status, assignee_id, offered_to_id), channel, count(*) FROM conversations
        WHERE conversation_load_owner(status, assignee_id, offered_to_id) IS NOT NULL GROUP BY 1, 2;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER conversations_agent_load_truncate ON conversations;
      DROP TRIGGER conversations_agent_load_delete ON conversations;
      DROP TRIGGER conversations_agent_load_update ON conversations;
      DROP TRIGGER conversations_agent_load_insert ON conversations;
      DROP FUNCTION conversations_agent_load_truncate();
      DROP FUNCTION conversations_agent_load();
      DROP FUNCTION conversation_load_owner(text, uuid, uuid);
      DROP TABLE agent_loads;
    `);
  }
}
