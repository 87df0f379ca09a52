import { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS_BEFORE = `'api','email','webchat','slack','whatsapp','messenger','instagram','telegram'`;
const KINDS_AFTER = `${KINDS_BEFORE},'x','phone'`;
const CHANNEL_CHECKS = [
  ['inboxes', 'inboxes_channel_check'],
  ['contact_identities', 'contact_identities_channel_check'],
  ['conversations', 'conversations_channel_check'],
] as const;

/**
 * Telegram, X and phone calls.
 * - The channel kinds `x` and `phone`; a message kind `call` (a phone call in the timeline,
 *   its details in metadata.call).
 * - `channel_events`: Telegram updates and X Account Activity events seen per inbox, by the
 *   channel's own id (Telegram `update_id`, X event id, or the body hash when an X body
 *   carries none): the unique key makes a redelivery a no-op even when it races the first.
 *   A verified event that cannot be used is kept with its reason (and payload) for the admin;
 *   a request that fails verification never reaches this table.
 * - A contact identity can be unreachable (the Telegram user blocked the bot): replies to it
 *   fail with that reason until the customer writes again.
 */
export class SocialPhone1765460000000 implements MigrationInterface {
  name = 'SocialPhone1765460000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, check] of CHANNEL_CHECKS) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${check}, ADD CONSTRAINT ${check} CHECK (channel IN (${KINDS_AFTER}))`);
    }
    await q.query(`ALTER TABLE messages DROP CONSTRAINT messages_kind_check, ADD CONSTRAINT messages_kind_check CHECK (kind IN ('message','note','activity','call'))`);
    await q.query(`
      CREATE TABLE channel_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        channel text NOT NULL CONSTRAINT channel_events_channel_check CHECK (channel IN ('telegram','x')),
        event_id text NOT NULL CONSTRAINT channel_events_event_id_check CHECK (length(event_id) BETWEEN 1 AND 200),
        outcome text NOT NULL CONSTRAINT channel_events_outcome_check CHECK (outcome IN ('queued','ignored','rejected')),
        reason text,
        payload jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT channel_events_reason_check CHECK (outcome = 'queued' OR reason IS NOT NULL),
        CONSTRAINT channel_events_inbox_event_key UNIQUE (inbox_id, event_id)
      );
      CREATE INDEX channel_events_received_at_idx ON channel_events (received_at);
      ALTER TABLE contact_identities ADD COLUMN unreachable_at timestamptz, ADD COLUMN unreachable_reason text,
        ADD CONSTRAINT contact_identities_unreachable_check CHECK ((unreachable_at IS NULL) = (unreachable_reason IS NULL));
      CREATE INDEX messages_calls_idx ON messages (inbox_id, created_at) WHERE kind = 'call';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX messages_calls_idx;
      ALTER TABLE contact_identities DROP CONSTRAINT contact_identities_unreachable_check, DROP COLUMN unreachable_at, DROP COLUMN unreachable_reason;
      DROP TABLE channel_events;
      DELETE FROM messages WHERE kind = 'call';
    `);
    await q.query(`ALTER TABLE messages DROP CONSTRAINT messages_kind_check, ADD CONSTRAINT messages_kind_check CHECK (kind IN ('message','note','activity'))`);
    for (const [table, check] of CHANNEL_CHECKS) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${check}, ADD CONSTRAINT ${check} CHECK (channel IN (${KINDS_BEFORE}))`);
    }
  }
}
