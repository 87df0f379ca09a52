import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-team canned responses: `team_id` null = shared with everyone (what existed before).
 * A team's responses go with the team: kept, they would silently become everyone's.
 */
export class CannedTeams1766100200000 implements MigrationInterface {
  name = 'CannedTeams1766100200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE canned_responses ADD COLUMN team_id uuid REFERENCES teams(id) ON DELETE CASCADE`);
    await q.query(`CREATE INDEX canned_responses_team_idx ON canned_responses (team_id) WHERE team_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE canned_responses DROP COLUMN team_id`);
  }
}
