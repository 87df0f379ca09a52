import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The conversation model. Invariants live in the schema too: the database is
 * the last line of defence against races between replicas.
 */
export class Init1764460800000 implements MigrationInterface {
  name = 'Init1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CONSTRAINT users_role_check CHECK (role IN ('admin','coordinator','agent')),
        languages text[] NOT NULL DEFAULT '{}',
        skills text[] NOT NULL DEFAULT '{}',
        capacity jsonb NOT NULL DEFAULT '{}',
        avatar_url text,
        locale text NOT NULL DEFAULT 'en',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));

      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text,
        strategy text NOT NULL DEFAULT 'least_busy' CONSTRAINT teams_strategy_check CHECK (strategy IN ('least_busy','round_robin','manual')),
        offer_timeout_seconds int CHECK (offer_timeout_seconds IS NULL OR offer_timeout_seconds BETWEEN 5 AND 3600),
        sticky_window_seconds int NOT NULL DEFAULT 0 CHECK (sticky_window_seconds >= 0),
        overflow_team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        overflow_after_seconds int CHECK (overflow_after_seconds IS NULL OR overflow_after_seconds > 0),
        business_hours jsonb,
        default_capacity jsonb NOT NULL DEFAULT '{}',
        away_message text,
        round_robin_last_agent_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX teams_name_key ON teams (lower(name));

      CREATE TABLE team_members (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, user_id)
      );
      CREATE INDEX team_members_user_idx ON team_members (user_id);

      CREATE TABLE inboxes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        channel text NOT NULL CONSTRAINT inboxes_channel_check CHECK (channel IN ('api','email','webchat','slack','whatsapp','messenger','instagram','telegram')),
        team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        settings jsonb NOT NULL DEFAULT '{}',
        secrets text,
        token_hash text,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX inboxes_token_hash_key ON inboxes (token_hash) WHERE token_hash IS NOT NULL;

      CREATE TABLE inbox_members (
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (inbox_id, user_id)
      );
      CREATE INDEX inbox_members_user_idx ON inbox_members (user_id);

      CREATE TABLE contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text,
        email text,
        phone text,
        language text,
        notes text,
        labels text[] NOT NULL DEFAULT '{}',
        merged_into_id uuid REFERENCES contacts(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX contacts_email_idx ON contacts (lower(email)) WHERE email IS NOT NULL;

      -- The FK is deferred so ingest can claim an identity and create its contact in one
      -- race-free statement pair (INSERT .. ON CONFLICT on the identity first).
      CREATE TABLE contact_identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        channel text NOT NULL CONSTRAINT contact_identities_channel_check CHECK (channel IN ('api','email','webchat','slack','whatsapp','messenger','instagram','telegram')),
        address text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT contact_identities_channel_address_key UNIQUE (channel, address)
      );
      CREATE INDEX contact_identities_contact_idx ON contact_identities (contact_id);

      CREATE TABLE conversations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        channel text NOT NULL CONSTRAINT conversations_channel_check CHECK (channel IN ('api','email','webchat','slack','whatsapp','messenger','instagram','telegram')),
        contact_id uuid NOT NULL REFERENCES contacts(id),
        thread_key text NOT NULL,
        status text NOT NULL DEFAULT 'open' CONSTRAINT conversations_status_check CHECK (status IN ('open','pending','snoozed','resolved','bot')),
        priority smallint NOT NULL DEFAULT 1 CONSTRAINT conversations_priority_check CHECK (priority BETWEEN 0 AND 3),
        assignee_id uuid REFERENCES users(id) ON DELETE SET NULL,
        team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        labels text[] NOT NULL DEFAULT '{}',
        subject text,
        language text,
        required_skills text[] NOT NULL DEFAULT '{}',
        assignment_reason text,
        waiting_since timestamptz,
        first_response_at timestamptz,
        resolved_at timestamptz,
        snoozed_until timestamptz,
        last_message_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT conversations_snooze_check CHECK (status <> 'snoozed' OR snoozed_until IS NOT NULL)
      );
      -- One thread has at most one conversation that is not resolved.
      CREATE UNIQUE INDEX conversations_open_thread_key ON conversations (inbox_id, thread_key) WHERE status <> 'resolved';
      CREATE INDEX conversations_list_idx ON conversations (last_message_at DESC, id DESC);
      CREATE INDEX conversations_assignee_idx ON conversations (assignee_id, status) WHERE assignee_id IS NOT NULL;
      CREATE INDEX conversations_queue_idx ON conversations (team_id, priority DESC, waiting_since) WHERE assignee_id IS NULL AND status = 'open';
      CREATE INDEX conversations_contact_idx ON conversations (contact_id);
      CREATE INDEX conversations_labels_idx ON conversations USING gin (labels);

      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        direction text NOT NULL CONSTRAINT messages_direction_check CHECK (direction IN ('inbound','outbound')),
        kind text NOT NULL DEFAULT 'message' CONSTRAINT messages_kind_check CHECK (kind IN ('message','note','activity')),
        author_type text NOT NULL CONSTRAINT messages_author_type_check CHECK (author_type IN ('contact','user','bot','system')),
        author_id uuid,
        text text NOT NULL DEFAULT '',
        html text,
        external_id text,
        status text CONSTRAINT messages_status_check CHECK (status IN ('queued','sent','delivered','read','failed')),
        error text,
        attempts int NOT NULL DEFAULT 0,
        metadata jsonb NOT NULL DEFAULT '{}',
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- Only outbound customer-facing messages have a delivery status.
        CONSTRAINT messages_status_presence_check CHECK ((status IS NOT NULL) = (direction = 'outbound' AND kind = 'message'))
      );
      CREATE UNIQUE INDEX messages_inbox_external_id_key ON messages (inbox_id, external_id);
      CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at, id);

      CREATE TABLE attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        file_name text NOT NULL,
        content_type text NOT NULL,
        size int NOT NULL CHECK (size >= 0),
        content_id text,
        storage_path text,
        data bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT attachments_storage_check CHECK ((storage_path IS NULL) <> (data IS NULL))
      );
      CREATE INDEX attachments_message_idx ON attachments (message_id);

      CREATE TABLE bots (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text,
        token_hash text NOT NULL,
        webhook_url text,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX bots_token_hash_key ON bots (token_hash);

      CREATE TABLE outbox_events (
        seq bigserial PRIMARY KEY,
        type text NOT NULL,
        conversation_id uuid,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX outbox_events_created_idx ON outbox_events (created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE outbox_events; DROP TABLE bots; DROP TABLE attachments; DROP TABLE messages;
      DROP TABLE conversations; DROP TABLE contact_identities; DROP TABLE contacts;
      DROP TABLE inbox_members; DROP TABLE inboxes; DROP TABLE team_members; DROP TABLE teams; DROP TABLE users;
    `);
  }
}
