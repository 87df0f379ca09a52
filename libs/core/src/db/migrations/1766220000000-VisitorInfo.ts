import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Web chat visitors, recognisable without a name:
 * - `contacts.number`: a short, stable, unique number per contact from a sequence (existing
 *   contacts numbered in creation order), shown as "Visitor #N" while the visitor gave no name;
 * - `webchat_sessions.visitor`: what the widget said at its last connect (browser, OS, page,
 *   referrer, time zone), and `contacts.visitor` the latest of it, shown to agents.
 */
export class VisitorInfo1766220000000 implements MigrationInterface {
  name = 'VisitorInfo1766220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE SEQUENCE contacts_number_seq AS bigint;
      ALTER TABLE contacts ADD COLUMN number bigint;
      UPDATE contacts c SET number = n.rn FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS rn FROM contacts) n WHERE n.id = c.id;
      SELECT setval('contacts_number_seq', coalesce((SELECT max(number) FROM contacts), 0) + 1, false);
      ALTER TABLE contacts ALTER COLUMN number SET DEFAULT nextval('contacts_number_seq'), ALTER COLUMN number SET NOT NULL;
      ALTER SEQUENCE contacts_number_seq OWNED BY contacts.number;
      CREATE UNIQUE INDEX contacts_number_key ON contacts (number);

      ALTER TABLE contacts ADD COLUMN visitor jsonb CONSTRAINT contacts_visitor_check CHECK (visitor IS NULL OR jsonb_typeof(visitor) = 'object');
      ALTER TABLE webchat_sessions ADD COLUMN visitor jsonb CONSTRAINT webchat_sessions_visitor_check CHECK (visitor IS NULL OR jsonb_typeof(visitor) = 'object');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webchat_sessions DROP COLUMN visitor;
      ALTER TABLE contacts DROP COLUMN visitor, DROP COLUMN number;
    `);
  }
}
