import { MigrationInterface, QueryRunner } from 'typeorm';

/** Bot-first inboxes: a customer asking for a person ("agent", "humain", "оператор"…) hands the conversation over. */
export class HandoffKeywords1765700500000 implements MigrationInterface {
  name = 'HandoffKeywords1765700500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inboxes ADD COLUMN handoff_on_request boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inboxes DROP COLUMN handoff_on_request`);
  }
}
