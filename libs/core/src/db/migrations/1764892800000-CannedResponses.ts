import { MigrationInterface, QueryRunner } from 'typeorm';

/** Canned responses for the web composer (`/shortcut`); shortcuts are unique case-insensitively. */
export class CannedResponses1764892800000 implements MigrationInterface {
  name = 'CannedResponses1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE canned_responses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        shortcut text NOT NULL CONSTRAINT canned_responses_shortcut_check CHECK (shortcut ~ '^[A-Za-z0-9_-]{1,40}$'),
        title text NOT NULL CONSTRAINT canned_responses_title_check CHECK (length(title) BETWEEN 1 AND 120),
        text text NOT NULL CONSTRAINT canned_responses_text_check CHECK (length(text) BETWEEN 1 AND 10000),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX canned_responses_shortcut_uq ON canned_responses (lower(shortcut))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE canned_responses`);
  }
}
