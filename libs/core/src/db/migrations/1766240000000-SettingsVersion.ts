import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One counter that every change to automation rules or SLA policies bumps (statement triggers, so
 * no writer can forget it). Ingest reads it with its precheck and keeps rules and policies in
 * memory per version: two statements fewer per message, and a change still applies to the next
 * message on every replica.
 */
export class SettingsVersion1766240000000 implements MigrationInterface {
  name = 'SettingsVersion1766240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE settings_version (
        id boolean PRIMARY KEY DEFAULT true CONSTRAINT settings_version_single_row CHECK (id),
        version bigint NOT NULL DEFAULT 1
      );
      INSERT INTO settings_version DEFAULT VALUES;
      CREATE FUNCTION bump_settings_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE settings_version SET version = version + 1;
        RETURN NULL;
      END $$;
      CREATE TRIGGER automation_rules_settings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON automation_rules
        FOR EACH STATEMENT EXECUTE FUNCTION bump_settings_version();
      CREATE TRIGGER sla_policies_settings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_policies
        FOR EACH STATEMENT EXECUTE FUNCTION bump_settings_version();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER sla_policies_settings_version ON sla_policies;
      DROP TRIGGER automation_rules_settings_version ON automation_rules;
      DROP FUNCTION bump_settings_version();
      DROP TABLE settings_version;
    `);
  }
}
