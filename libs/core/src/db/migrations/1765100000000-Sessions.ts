import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions that end and replies that cannot be redirected:
 * - `users.token_version` is written into every JWT and checked on every request and socket
 *   command; bumping it (password change or reset, deactivation, "sign out everywhere") ends
 *   every existing session at once.
 * - `conversations.contact_identity_id` is the identity the conversation came from: replies
 *   go there, whatever identities a later contact merge adds to the contact.
 */
export class Sessions1765100000000 implements MigrationInterface {
  name = 'Sessions1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE conversations ADD COLUMN contact_identity_id uuid REFERENCES contact_identities(id) ON DELETE SET NULL`);
    // Existing conversations: the identity replies went to until now (the contact's oldest on that channel).
    await q.query(`
      UPDATE conversations c SET contact_identity_id = (
        SELECT i.id FROM contact_identities i WHERE i.contact_id = c.contact_id AND i.channel = c.channel ORDER BY i.created_at LIMIT 1)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE conversations DROP COLUMN contact_identity_id`);
    await q.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
