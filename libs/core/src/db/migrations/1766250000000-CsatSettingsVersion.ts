import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Survey settings join automation rules and SLA policies under the settings version: every change
 * to `csat_settings` bumps it (a statement trigger), so a resolve's survey check reads an inbox's
 * settings from the process's cache per version instead of once per transaction, and a change
 * still applies to the next resolve on every replica.
 */
export class CsatSettingsVersion1766250000000 implements MigrationInterface {
  name = 'CsatSettingsVersion1766250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TRIGGER csat_settings_settings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON csat_settings
        FOR EACH STATEMENT EXECUTE FUNCTION bump_settings_version();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER csat_settings_settings_version ON csat_settings`);
  }
}
