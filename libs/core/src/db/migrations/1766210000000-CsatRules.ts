import { MigrationInterface, QueryRunner } from 'typeorm';

/** Automation rules may run on a customer's satisfaction rating (`csat.received`: "when rating ≤ 2"). */
export class CsatRules1766210000000 implements MigrationInterface {
  name = 'CsatRules1766210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE automation_rules DROP CONSTRAINT automation_rules_event_check;
      ALTER TABLE automation_rules ADD CONSTRAINT automation_rules_event_check
        CHECK (event IN ('conversation.created','message.created','conversation.updated','sla.breached','conversation.resolved','csat.received'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM automation_rules WHERE event = 'csat.received';
      ALTER TABLE automation_rules DROP CONSTRAINT automation_rules_event_check;
      ALTER TABLE automation_rules ADD CONSTRAINT automation_rules_event_check
        CHECK (event IN ('conversation.created','message.created','conversation.updated','sla.breached','conversation.resolved'));
    `);
  }
}
