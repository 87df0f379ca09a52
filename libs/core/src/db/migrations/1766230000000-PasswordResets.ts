import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Forgot password" links: only the SHA-256 of the random token is stored (a leaked table or
 * backup opens no account), each link expires after an hour and works once. The partial index
 * serves the one lookup a confirmation makes, among links still usable.
 */
export class PasswordResets1766230000000 implements MigrationInterface {
  name = 'PasswordResets1766230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE password_resets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash text NOT NULL CONSTRAINT password_resets_token_hash_check CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX password_resets_token_key ON password_resets (token_hash);
      CREATE INDEX password_resets_user_idx ON password_resets (user_id) WHERE used_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE password_resets`);
  }
}
