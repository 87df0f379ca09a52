import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email channel: IMAP sync state per inbox (UIDVALIDITY + last UID, so a restart
 * fetches only what is new), the quarantine of mails that could not be parsed or
 * stored (raw bytes kept, deduplicated by content hash so a re-sync adds nothing),
 * and the raw RFC 822 source of every ingested mail for audit.
 */
export class EmailChannel1764633600000 implements MigrationInterface {
  name = 'EmailChannel1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE email_sync_state (
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        mailbox text NOT NULL,
        uidvalidity bigint NOT NULL CHECK (uidvalidity > 0),
        last_uid bigint NOT NULL DEFAULT 0 CHECK (last_uid >= 0),
        synced_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (inbox_id, mailbox)
      );

      CREATE TABLE email_quarantine (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        mailbox text NOT NULL,
        uid bigint,
        uidvalidity bigint,
        message_id text,
        reason text NOT NULL CHECK (length(reason) > 0),
        raw bytea NOT NULL,
        raw_sha256 text NOT NULL,
        size int NOT NULL CHECK (size >= 0),
        received_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT email_quarantine_raw_key UNIQUE (inbox_id, raw_sha256)
      );
      CREATE INDEX email_quarantine_inbox_idx ON email_quarantine (inbox_id, received_at DESC);

      CREATE TABLE email_raw_messages (
        message_id uuid PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        raw bytea NOT NULL,
        size int NOT NULL CHECK (size >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE email_raw_messages; DROP TABLE email_quarantine; DROP TABLE email_sync_state;`);
  }
}
