import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '@inbox/core';

interface RecipientRow {
  id: string;
  name: string;
  email: string;
  locale: string;
}

interface UsedRow {
  user_id: string;
}

@Injectable()
export class PasswordResetRepository {
  /** Who a reset mail goes to: an active person with that address, or nobody. */
  async recipientByEmail(em: EntityManager, email: string): Promise<RecipientRow | null> {
    const [row] = await queryRows<RecipientRow>(em, `SELECT id, name, email, locale FROM users WHERE lower(email) = lower($1) AND active`, [email]);
    return row ?? null;
  }

  async create(em: EntityManager, userId: string, tokenHash: string, ttlSeconds: number): Promise<string> {
    const [row] = await queryRows<{ id: string }>(
      em,
      `INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING id`,
      [userId, tokenHash, ttlSeconds],
    );
    return row.id;
  }

  async remove(em: EntityManager, id: string): Promise<void> {
    await em.query(`DELETE FROM password_resets WHERE id = $1`, [id]);
  }

  /**
   * Spends a link: one atomic update, so two concurrent confirmations of one link cannot both
   * pass. Returns the user, or null for an unknown, expired or already used link.
   */
  async consume(em: EntityManager, tokenHash: string): Promise<string | null> {
    const [row] = await queryRows<UsedRow>(em, `UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`, [
      tokenHash,
    ]);
    return row?.user_id ?? null;
  }

  /** The password changed: every other link the user was sent stops working too. */
  async retireOthers(em: EntityManager, userId: string): Promise<void> {
    await em.query(`UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [userId]);
  }

  /** Links gone stale a day ago are of no use to anyone, not even for an audit. */
  async purgeOld(em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM password_resets WHERE expires_at < now() - interval '1 day'`);
  }
}
