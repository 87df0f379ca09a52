import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Meta (WhatsApp, Messenger, Instagram) webhooks carry no delivery id and are redelivered
 * byte for byte when our answer is late: the SHA-256 of the signed body, unique per inbox,
 * makes a redelivery a no-op even when it races the first. A signed body that cannot be
 * used is kept with its reason (`rejected`, payload included) for the admin to inspect;
 * an unsigned or wrongly signed one never reaches this table.
 */
export class MetaEvents1765040000000 implements MigrationInterface {
  name = 'MetaEvents1765040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE meta_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        body_sha256 text NOT NULL CONSTRAINT meta_events_body_sha256_check CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
        outcome text NOT NULL CONSTRAINT meta_events_outcome_check CHECK (outcome IN ('queued','ignored','rejected')),
        reason text,
        items int NOT NULL DEFAULT 0 CHECK (items >= 0),
        payload jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT meta_events_reason_check CHECK (outcome = 'queued' OR reason IS NOT NULL),
        CONSTRAINT meta_events_inbox_body_key UNIQUE (inbox_id, body_sha256)
      );
      CREATE INDEX meta_events_received_at_idx ON meta_events (received_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE meta_events`);
  }
}
