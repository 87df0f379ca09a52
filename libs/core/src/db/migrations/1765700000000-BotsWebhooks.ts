import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bots and integrations (issue 17): bot tokens scoped to inboxes and scopes with an optional
 * expiry; bot-first inboxes; event webhook subscriptions with a durable, per-subscription
 * delivery log; a cursor for the sweeper that files deliveries a crashed process missed.
 */
export class BotsWebhooks1765700000000 implements MigrationInterface {
  name = 'BotsWebhooks1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE bots
        ADD COLUMN all_inboxes boolean NOT NULL DEFAULT true,
        ADD COLUMN scopes text[] NOT NULL DEFAULT ARRAY['conversations.read','conversations.write','contacts.read','contacts.write','channels.post','webhooks']::text[],
        ADD COLUMN token_expires_at timestamptz;
      CREATE TABLE bot_inboxes (
        bot_id uuid NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        PRIMARY KEY (bot_id, inbox_id)
      );
      CREATE INDEX bot_inboxes_inbox_idx ON bot_inboxes (inbox_id);
      ALTER TABLE inboxes ADD COLUMN bot_id uuid REFERENCES bots(id) ON DELETE SET NULL, ADD COLUMN handoff_message text;

      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        events text[] NOT NULL CHECK (cardinality(events) > 0),
        inbox_ids uuid[],
        secret text NOT NULL,
        bot_id uuid REFERENCES bots(id) ON DELETE CASCADE,
        active boolean NOT NULL DEFAULT true,
        disabled_reason text,
        failing_since timestamptz,
        -- Only events after the subscription was made (the outbox position at creation).
        after_seq bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_subscriptions_bot_idx ON webhook_subscriptions (bot_id);

      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
        event_seq bigint NOT NULL,
        event text NOT NULL,
        conversation_id uuid,
        data jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        response_status integer,
        latency_ms integer,
        response_excerpt text,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        delivered_at timestamptz,
        UNIQUE (subscription_id, event_seq, event)
      );
      CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (subscription_id, created_at DESC, id DESC);
      CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (subscription_id, conversation_id, event_seq) WHERE status = 'pending';

      CREATE TABLE webhook_cursor (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        last_seq bigint NOT NULL
      );
      INSERT INTO webhook_cursor (last_seq) SELECT coalesce(max(seq), 0) FROM outbox_events;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE webhook_cursor; DROP TABLE webhook_deliveries; DROP TABLE webhook_subscriptions;
      ALTER TABLE inboxes DROP COLUMN bot_id, DROP COLUMN handoff_message; DROP TABLE bot_inboxes;
      ALTER TABLE bots DROP COLUMN all_inboxes, DROP COLUMN scopes, DROP COLUMN token_expires_at;
    `);
  }
}
