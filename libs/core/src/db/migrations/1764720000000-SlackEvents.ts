import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Slack redelivers an event (X-Slack-Retry-Num) when our answer is late or lost:
 * the event ids seen per inbox, with a primary key, make the second delivery a no-op
 * even when it races the first. Rows older than a few days are pruned: Slack gives up
 * retrying after about an hour.
 */
export class SlackEvents1764720000000 implements MigrationInterface {
  name = 'SlackEvents1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE slack_events (
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        event_id text NOT NULL CONSTRAINT slack_events_event_id_check CHECK (length(event_id) BETWEEN 1 AND 200),
        retry_num int NOT NULL DEFAULT 0,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (inbox_id, event_id)
      );
      CREATE INDEX slack_events_received_at_idx ON slack_events (received_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE slack_events`);
  }
}
