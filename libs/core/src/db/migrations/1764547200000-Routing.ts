import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live routing: agent presence shared through the database (every replica sees it),
 * pending offers on the conversation, and an append-only assignment log written in
 * the same transaction as every change, which the two-replica tests audit.
 */
export class Routing1764547200000 implements MigrationInterface {
  name = 'Routing1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agent_status (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        chosen text NOT NULL DEFAULT 'online' CONSTRAINT agent_status_chosen_check CHECK (chosen IN ('online','away')),
        presence text NOT NULL DEFAULT 'offline' CONSTRAINT agent_status_presence_check CHECK (presence IN ('online','away','offline')),
        last_assigned_at timestamptz,
        changed_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE replicas (
        id text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      );

      -- Live sockets per agent per replica; rows of a replica that stopped heart-beating are swept.
      CREATE TABLE agent_connections (
        replica_id text NOT NULL REFERENCES replicas(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        sockets int NOT NULL CHECK (sockets > 0),
        PRIMARY KEY (replica_id, user_id)
      );
      CREATE INDEX agent_connections_user_idx ON agent_connections (user_id);

      ALTER TABLE conversations
        ADD COLUMN offered_to_id uuid REFERENCES users(id) ON DELETE SET NULL,
        ADD COLUMN offer_expires_at timestamptz,
        ADD COLUMN declined_by uuid[] NOT NULL DEFAULT '{}',
        ADD COLUMN assigned_at timestamptz,
        ADD CONSTRAINT conversations_offer_check CHECK ((offered_to_id IS NULL) = (offer_expires_at IS NULL)),
        ADD CONSTRAINT conversations_offer_unassigned_check CHECK (offered_to_id IS NULL OR assignee_id IS NULL);
      CREATE INDEX conversations_offered_idx ON conversations (offered_to_id) WHERE offered_to_id IS NOT NULL;

      ALTER TABLE contacts
        ADD COLUMN last_agent_id uuid REFERENCES users(id) ON DELETE SET NULL,
        ADD COLUMN last_agent_at timestamptz;

      CREATE TABLE assignment_log (
        id bigserial PRIMARY KEY,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        action text NOT NULL CONSTRAINT assignment_log_action_check CHECK (action IN ('assign','offer','accept','decline','expire','unassign','requeue','transfer','overflow','release')),
        agent_id uuid,
        previous_agent_id uuid,
        team_id uuid,
        by text NOT NULL CONSTRAINT assignment_log_by_check CHECK (by IN ('routing','coordinator','agent','system')),
        actor_id uuid,
        reason text NOT NULL,
        reason_code text,
        channel text NOT NULL,
        agent_load_after int,
        agent_capacity int,
        over_capacity boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX assignment_log_conversation_idx ON assignment_log (conversation_id, id);
      CREATE INDEX assignment_log_agent_idx ON assignment_log (agent_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE assignment_log;
      ALTER TABLE contacts DROP COLUMN last_agent_id, DROP COLUMN last_agent_at;
      ALTER TABLE conversations DROP CONSTRAINT conversations_offer_unassigned_check, DROP CONSTRAINT conversations_offer_check,
        DROP COLUMN offered_to_id, DROP COLUMN offer_expires_at, DROP COLUMN declined_by, DROP COLUMN assigned_at;
      DROP TABLE agent_connections; DROP TABLE replicas; DROP TABLE agent_status;
    `);
  }
}
