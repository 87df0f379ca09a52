import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * @mentions of teammates in private notes. One row per (note, mentioned user): the unique index
 * makes recording idempotent. `read_at` null = unread; the partial index serves the unread count.
 */
export class Mentions1766200000000 implements MigrationInterface {
  name = 'Mentions1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mentions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        author_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz,
        CONSTRAINT mentions_not_self CHECK (user_id <> author_id)
      )`);
    await q.query(`CREATE UNIQUE INDEX mentions_message_user_uq ON mentions (message_id, user_id)`);
    await q.query(`CREATE INDEX mentions_user_created_idx ON mentions (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX mentions_user_unread_idx ON mentions (user_id, conversation_id) WHERE read_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mentions`);
  }
}
