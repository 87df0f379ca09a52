import { MigrationInterface, QueryRunner } from 'typeorm';

/** Conversations a coordinator adds by hand to a week's QA review queue, beside the seeded sample. */
export class QaQueue1766040000000 implements MigrationInterface {
  name = 'QaQueue1766040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE qa_queue_items (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        week text NOT NULL CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
        added_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX qa_queue_items_week_conversation_uq ON qa_queue_items (week, conversation_id);
      CREATE INDEX conversations_resolved_assignee_idx ON conversations (assignee_id, resolved_at) WHERE status = 'resolved';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS conversations_resolved_assignee_idx; DROP TABLE IF EXISTS qa_queue_items`);
  }
}
