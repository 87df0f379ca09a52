import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Web chat: one row per visitor session (a browser, or a verified customer across
 * browsers), and a unique public website token per webchat inbox so the widget's
 * script tag finds its inbox in one index lookup.
 */
export class Webchat1764806400000 implements MigrationInterface {
  name = 'Webchat1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webchat_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        inbox_id uuid NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
        identifier text CONSTRAINT webchat_sessions_identifier_check CHECK (identifier IS NULL OR length(identifier) BETWEEN 1 AND 256),
        name text,
        email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webchat_sessions_identifier_idx ON webchat_sessions (inbox_id, identifier, created_at DESC) WHERE identifier IS NOT NULL;
      CREATE UNIQUE INDEX inboxes_website_token_key ON inboxes ((settings->>'websiteToken')) WHERE channel = 'webchat';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX inboxes_website_token_key; DROP TABLE webchat_sessions;`);
  }
}
